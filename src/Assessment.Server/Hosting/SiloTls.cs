using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Assessment.Server.Hosting;

/// <summary>
/// Mutual TLS between silos (section <c>Cluster:Tls</c>): every silo-to-silo connection is encrypted, and each side
/// presents a certificate the other checks, so nothing that merely reaches the silo port (another pod, a scanner) can
/// take part in the cluster. PEM files from a Kubernetes Secret shared by all replicas.
/// </summary>
public sealed class SiloTlsOptions
{
    /// <summary>The silos' certificate (PEM). Set it and silo traffic is TLS; leave it empty for one silo on loopback.</summary>
    public string? CertificateFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>
    /// A CA certificate (PEM): peers are admitted when their certificate chains to it. Without it, peers must present the
    /// very certificate (the same public key) this silo has: every replica mounts the one Secret.
    /// </summary>
    public string? AuthorityFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);
}

/// <summary>Turns <see cref="SiloTlsOptions"/> into Orleans' connection security: required certificates both ways, checked by <see cref="PeerTrust"/>.</summary>
public static class SiloTls
{
    public static void Configure(ISiloBuilder silo, SiloTlsOptions options)
    {
        var certificate = new TlsOptions { CertificateFile = options.CertificateFile, KeyFile = options.KeyFile }.Load();
        var trust = PeerTrust.For(certificate, options.AuthorityFile);
        silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.CheckCertificateRevocation = false; // a cluster CA or a pinned key: no revocation lists to reach
            tls.HandshakeTimeout = TimeSpan.FromSeconds(10);
            // The name on the certificate says nothing about a pod's address: trust is the key or the CA, checked here.
            tls.RemoteCertificateValidation = (peer, _, _) => peer is not null && trust.Admits(peer);
            tls.OnAuthenticateAsClient = (_, client) => client.TargetHost = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        });
    }
}

/// <summary>Which peer certificates a silo admits: those with its own public key, or those issued by the cluster's CA.</summary>
public sealed class PeerTrust
{
    private readonly byte[]? _pinnedKey;
    private readonly X509Certificate2? _authority;

    private PeerTrust(byte[]? pinnedKey, X509Certificate2? authority)
    {
        _pinnedKey = pinnedKey;
        _authority = authority;
    }

    public static PeerTrust For(X509Certificate2 own, string? authorityFile)
    {
        if (string.IsNullOrWhiteSpace(authorityFile))
        {
            return new PeerTrust(own.PublicKey.ExportSubjectPublicKeyInfo(), null);
        }

        try
        {
            return new PeerTrust(null, X509Certificate2.CreateFromPem(File.ReadAllText(authorityFile)));
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot load the cluster CA certificate {authorityFile}: {ex.Message}");
        }
    }

    public bool Admits(X509Certificate2 peer)
    {
        var now = DateTime.Now;
        if (now < peer.NotBefore || now > peer.NotAfter)
        {
            return false;
        }

        if (_pinnedKey is not null)
        {
            return peer.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_pinnedKey);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }
}

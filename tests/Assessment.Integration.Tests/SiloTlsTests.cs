using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Chaos;
using Assessment.Integration.Tests.Infrastructure;
using Npgsql;

namespace Assessment.Integration.Tests;

/// <summary>
/// Silo-to-silo traffic is mutual TLS (<c>Cluster:Tls</c>): two silos with the cluster's certificate form one cluster
/// and serve every request, whichever silo holds the grain; the silo port refuses plain TCP, a TLS client without a
/// certificate and one with another certificate, and admits the cluster's.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SiloTlsTests
{
    private static X509Certificate2 SelfSigned(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static string[] Write(X509Certificate2 certificate, string dir)
    {
        Directory.CreateDirectory(dir);
        var crt = Path.Combine(dir, "tls.crt");
        var key = Path.Combine(dir, "tls.key");
        File.WriteAllText(crt, certificate.ExportCertificatePem());
        File.WriteAllText(key, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return [$"--Cluster:Tls:CertificateFile={crt}", $"--Cluster:Tls:KeyFile={key}"];
    }

    /// <summary>Whether the silo port keeps a connection open (true) or ends it (false) after this client's attempt.</summary>
    private static async Task<bool> AdmittedAsync(int port, Func<Stream, Task<Stream>> handshake)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        try
        {
            var stream = await handshake(tcp.GetStream());
            var buffer = new byte[1];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            // Admitted: the silo waits for the Orleans preamble (or sends its own); refused: it closes the connection.
            var read = await stream.ReadAsync(buffer, wait.Token);
            return read > 0;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or SocketException)
        {
            return false;
        }
    }

    // The client checks the silo's certificate as a peer silo does: the cluster's own key.
    private static Func<Stream, Task<Stream>> Tls(X509Certificate2 expected, X509Certificate2? presented) => async stream =>
    {
        var tls = new SslStream(stream);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "assessment-silo",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetPublicKeyString() == expected.GetPublicKeyString(),
            ClientCertificates = presented is null ? null : [presented],
        });
        return tls;
    };

    [Fact]
    public async Task Two_silos_talk_over_mutual_tls_and_the_silo_port_admits_only_the_clusters_certificate()
    {
        using var cluster = SelfSigned("assessment-silo");
        using var stranger = SelfSigned("assessment-silo");
        var dir = PostgresFixture.ScratchPath($"silo-tls-{Guid.NewGuid():N}");
        await using var silos = await ChaosCluster.StartAsync(2, Write(cluster, dir));

        // Both silos joined (membership goes over the silo port), and requests through either reach units and counties
        // wherever their grains live.
        await using (var db = NpgsqlDataSource.Create(silos.Database.ConnectionString))
        {
            var active = (long)(await db.CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3").ExecuteScalarAsync())!;
            Assert.Equal(2, active);
        }

        foreach (var channel in silos.Channels)
        {
            foreach (var unit in LoadGenerator.Units(silos.Keys))
            {
                var mine = await new SubmissionService.SubmissionServiceClient(channel)
                    .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, ServerProcess.As(silos.Keys[unit]));
                Assert.Equal(0, mine.Version);
            }

            var ranking = await new AssessmentService.AssessmentServiceClient(channel)
                .GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(silos.Keys["assessor"]));
            Assert.Equal(4, ranking.Entries.Count);
        }

        var port = silos.Silo(0)!.Config.SiloPort;
        Assert.False(await AdmittedAsync(port, async stream =>
        {
            await stream.WriteAsync("plain bytes, no TLS\r\n\r\n"u8.ToArray());
            return stream;
        }), "plain TCP");
        Assert.False(await AdmittedAsync(port, Tls(cluster, null)), "TLS without a client certificate");
        Assert.False(await AdmittedAsync(port, Tls(cluster, stranger)), "TLS with another certificate of the same name");
        Assert.True(await AdmittedAsync(port, Tls(cluster, cluster)), "TLS with the cluster's certificate");
    }
}

/// <summary>Which peer certificates a silo admits, with a pinned key and with a cluster CA.</summary>
public sealed class PeerTrustTests
{
    private static X509Certificate2 Make(string name, DateTimeOffset from, DateTimeOffset to, X509Certificate2? issuer = null, RSA? key = null)
    {
        key ??= RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (issuer is null)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            return request.CreateSelfSigned(from, to);
        }

        return request.Create(issuer, from, to, Guid.NewGuid().ToByteArray()).CopyWithPrivateKey(key);
    }

    private static readonly DateTimeOffset Yesterday = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly DateTimeOffset NextMonth = DateTimeOffset.UtcNow.AddDays(30);

    [Fact]
    public void With_no_authority_a_peer_must_present_the_same_key()
    {
        using var key = RSA.Create(2048);
        using var own = Make("assessment-silo", Yesterday, NextMonth, key: key);
        var trust = Assessment.Server.Hosting.PeerTrust.For(own, null);
        using var sameKeyRenewed = Make("another-name", Yesterday, NextMonth.AddDays(30), key: key);
        using var stranger = Make("assessment-silo", Yesterday, NextMonth);
        using var expired = Make("assessment-silo", Yesterday.AddDays(-30), Yesterday, key: key);
        Assert.True(trust.Admits(own));
        Assert.True(trust.Admits(sameKeyRenewed));
        Assert.False(trust.Admits(stranger));
        Assert.False(trust.Admits(expired));
    }

    [Fact]
    public void With_an_authority_a_peer_must_hold_a_certificate_it_issued()
    {
        using var authority = Make("assessment-cluster-ca", Yesterday, NextMonth.AddDays(365));
        using var otherAuthority = Make("assessment-cluster-ca", Yesterday, NextMonth.AddDays(365));
        var dir = Directory.CreateDirectory(PostgresFixture.ScratchPath($"peer-trust-{Guid.NewGuid():N}")).FullName;
        var caFile = Path.Combine(dir, "ca.crt");
        File.WriteAllText(caFile, authority.ExportCertificatePem());

        using var own = Make("silo-a", Yesterday, NextMonth, authority);
        var trust = Assessment.Server.Hosting.PeerTrust.For(own, caFile);
        using var peer = Make("silo-b", Yesterday, NextMonth, authority);
        using var forged = Make("silo-b", Yesterday, NextMonth, otherAuthority);
        using var selfSigned = Make("silo-b", Yesterday, NextMonth);
        Assert.True(trust.Admits(peer));
        Assert.False(trust.Admits(forged));
        Assert.False(trust.Admits(selfSigned));
        Assert.Throws<InvalidOperationException>(() => Assessment.Server.Hosting.PeerTrust.For(own, Path.Combine(dir, "missing.crt")));
    }
}

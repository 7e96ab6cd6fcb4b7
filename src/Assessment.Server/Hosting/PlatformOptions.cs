using System.ComponentModel.DataAnnotations;

namespace Assessment.Server.Hosting;

/// <summary>Where the platform keeps its data and how it reaches its database.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>An existing PostgreSQL. Empty: provision a private one in <see cref="PlatformOptions.DataDir"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Folder with pg_ctl, initdb and postgres; found automatically when empty.</summary>
    public string? PostgresBinDir { get; set; }

    /// <summary>Allows a database with fsync or synchronous_commit off (tests, benchmarks). Never in production.</summary>
    public bool Throwaway { get; set; }

    /// <summary>
    /// Provision and run the embedded PostgreSQL only, print its connection string and wait (used by <c>make cluster</c>
    /// to give several silos one database).
    /// </summary>
    public bool ProvisionOnly { get; set; }

    /// <summary>
    /// Store the unit and county states compressed (<see cref="Assessment.Grains.StoredPayload"/>). Silos of a release
    /// before migration 0011 read plain JSON only: a rollout from such a release runs with this off, and the next
    /// rollout turns it on. Reading takes both forms either way.
    /// </summary>
    public bool CompressStates { get; set; } = true;

    /// <summary>Apply the schema migrations and exit (the Kubernetes migration Job runs this before a rollout).</summary>
    public bool MigrateOnly { get; set; }
}

/// <summary>Top-level settings.</summary>
public sealed class PlatformOptions
{
    /// <summary>Folder for the embedded database, credentials and other local state.</summary>
    [Required]
    public string DataDir { get; set; } = ".data";

    /// <summary>Loopback by default; 0.0.0.0 only with TLS (<see cref="Tls"/>) or behind a proxy that terminates it.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int GrpcPort { get; set; } = 5100;

    [Range(1, 65535)]
    public int WebPort { get; set; } = 5080;

    /// <summary>
    /// A port of its own for <c>/metrics</c> (plain HTTP, for the cluster's Prometheus; a NetworkPolicy says who may reach
    /// it). 0: no metrics port, and <c>/metrics</c> on the web port answers loopback clients only.
    /// </summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; }

    /// <summary>
    /// Reverse proxies (an ingress controller) whose X-Forwarded-For and X-Forwarded-Proto are believed, as CIDR networks
    /// (section <c>Proxy:KnownNetworks</c>). Empty: the connection's own address is the client's, whatever a header says.
    /// </summary>
    public ProxyOptions Proxy { get; set; } = new();

    /// <summary>Serve gRPC and web over TLS with this certificate (section <c>Tls</c>); absent: plain HTTP (h2c).</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// A file holding the operator's first key (<c>ak_…</c>, e.g. a Kubernetes Secret): registered when the platform
    /// has no active operator credential, and nothing is written anywhere. Empty: a key is issued and written to
    /// <c>operator.key</c> in <see cref="DataDir"/> (one machine). Required in Kubernetes, where a pod's disk is no
    /// place for it.
    /// </summary>
    public string? OperatorKeyFile { get; set; }
}

/// <summary>
/// A certificate and its private key as PEM files (what cert-manager or any CA hands out). API keys are bearer tokens:
/// whoever reads one on the wire can use it, so they must not cross an untrusted network without TLS.
/// </summary>
public sealed class TlsOptions
{
    public string? CertificateFile { get; set; }

    public string? KeyFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);

    /// <summary>The certificate, loaded and checked at start (a bad path or key fails the start with a clear message).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Load()
    {
        if (string.IsNullOrWhiteSpace(KeyFile))
        {
            throw new InvalidOperationException("Tls:CertificateFile is set but Tls:KeyFile is not; both PEM files are needed.");
        }

        try
        {
            using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(CertificateFile!, KeyFile);
            // Exported and re-imported so that the key is usable by the TLS stack on every platform.
            return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(pem.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot load the TLS certificate {CertificateFile} with key {KeyFile}: {ex.Message}");
        }
    }
}

/// <summary>Orleans cluster settings.</summary>
public sealed class ClusterOptionsSection
{
    public const string Section = "Cluster";

    /// <summary><c>localhost</c> (one silo, the default) or <c>adonet</c> (several silos on one PostgreSQL).</summary>
    [RegularExpression("^(localhost|adonet)$")]
    public string Mode { get; set; } = "localhost";

    /// <summary>Orleans silo-to-silo port; 0 = a free port (single silo) or 11111 (adonet).</summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; }

    /// <summary>
    /// Orleans client gateway port; 0 (the default) = no gateway: the platform's clients are co-hosted in the silo, and
    /// a gateway would let anything that reaches the port act as an Orleans client.
    /// </summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; }

    [Required]
    public string ClusterId { get; set; } = "assessment";

    /// <summary>
    /// In a Kubernetes pod: take silo name and endpoints from the pod (POD_NAME, POD_NAMESPACE, POD_IP) and let
    /// Kubernetes say which silos are gone. Used with <see cref="Mode"/> <c>adonet</c>.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>Must be no longer than the gRPC deadline clients use, so a call to a dead silo fails in time.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Mutual TLS between silos; required in Kubernetes, where other pods can reach the silo port's network.</summary>
    public SiloTlsOptions Tls { get; set; } = new();
}

/// <summary>The demo prefecture created on first start (<c>make run</c>).</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Enabled { get; set; }

    /// <summary>A seed file; the built-in 那曲市 demo when empty.</summary>
    public string? SeedFile { get; set; }
}

/// <summary>The web workbench on the web port: assessors, counties, units, leaders and tenant admins in a browser.</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>On by default: the workbench is part of the product, not of the demo.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>The reverse proxies in front of the platform.</summary>
public sealed class ProxyOptions
{
    /// <summary>Networks of the proxies, in CIDR notation (e.g. the ingress controller's pod network 10.42.0.0/16).</summary>
    public string[] KnownNetworks { get; set; } = [];
}

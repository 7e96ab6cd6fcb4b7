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

    /// <summary>Apply the schema migrations and exit (the Kubernetes migration Job runs this before a rollout).</summary>
    public bool MigrateOnly { get; set; }
}

/// <summary>Top-level settings.</summary>
public sealed class PlatformOptions
{
    /// <summary>Folder for the embedded database, credentials and other local state.</summary>
    [Required]
    public string DataDir { get; set; } = ".data";

    /// <summary>Loopback by default; set to 0.0.0.0 only behind a proxy that terminates TLS.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int GrpcPort { get; set; } = 5100;

    [Range(1, 65535)]
    public int WebPort { get; set; } = 5080;
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

    /// <summary>Orleans client gateway port; 0 = a free port (single silo) or 30000 (adonet).</summary>
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
}

/// <summary>The demo prefecture created on first start (<c>make run</c>).</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Enabled { get; set; }

    /// <summary>A seed file; the built-in 那曲市 demo when empty.</summary>
    public string? SeedFile { get; set; }
}

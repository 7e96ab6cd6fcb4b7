using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Grpc.Net.Client;

namespace Assessment.Integration.Tests.Chaos;

/// <summary>
/// Silos in <c>adonet</c> mode on one durable PostgreSQL (fsync and synchronous_commit on: a crash of the database must
/// not lose what it acknowledged), each a separate process that can be killed with -9 and started again.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    /// <summary>
    /// Membership tuned to notice a dead silo in a few seconds, and a grain call timeout well inside the clients'
    /// deadline (production keeps Orleans' defaults and the 20 s timeout).
    /// </summary>
    private static readonly string[] TunedSettings =
    [
        "--Cluster:Membership:ProbeTimeout=00:00:01",
        "--Cluster:Membership:NumMissedProbesLimit=2",
        "--Cluster:Membership:NumVotesForDeathDeclaration=1",
        "--Cluster:Membership:TableRefreshTimeout=00:00:02",
        "--Cluster:Membership:IAmAliveTablePublishTimeout=00:00:05",
        "--Cluster:ResponseTimeout=00:00:08",
    ];

    private readonly string _root;
    private readonly ServerProcess?[] _silos;
    private readonly ServerProcess.Settings[] _settings;

    private ChaosCluster(string root, EmbeddedPostgres database, ServerProcess.Settings[] settings)
    {
        _root = root;
        Database = database;
        _settings = settings;
        _silos = new ServerProcess?[settings.Length];
        Channels = settings.Select(s => new Assessment.Cli.ClientChannel(GrpcChannel.ForAddress($"http://127.0.0.1:{s.GrpcPort}"), retry: false)).ToArray();
    }

    public static string SeedFile => Path.Combine(AppContext.BaseDirectory, "Seeds", "chaos.yaml");

    public EmbeddedPostgres Database { get; }

    /// <summary>One channel per silo, kept across restarts (a client reconnects as it would to a real endpoint).</summary>
    public Assessment.Cli.ClientChannel[] Channels { get; }

    public IReadOnlyDictionary<string, string> Keys { get; private set; } = null!;

    /// <summary>Starts <paramref name="silos"/> silos, each with the tuned settings and <paramref name="extra"/> ones.</summary>
    public static Task<ChaosCluster> StartAsync(int silos, params string[] extra) => StartAsync(silos, null, extra);

    /// <summary>Starts <paramref name="silos"/> silos with the membership settings and response timeout the platform ships.</summary>
    public static Task<ChaosCluster> StartShippedAsync(int silos) => StartAsync(silos, null, [], []);

    /// <summary>
    /// Starts <paramref name="silos"/> silos of an earlier release (<paramref name="release"/>; this build when null),
    /// seeded from that release's own chaos seed.
    /// </summary>
    public static Task<ChaosCluster> StartAsync(int silos, EarlierRelease.Build? release, params string[] extra) =>
        StartAsync(silos, release, TunedSettings, extra);

    private static async Task<ChaosCluster> StartAsync(int silos, EarlierRelease.Build? release, string[] membership, string[] extra)
    {
        var root = Path.Combine(Path.GetTempPath(), "assessment-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        var database = await EmbeddedPostgres.StartAsync(root, null, throwaway: false, _ => { });
        var seed = release?.File("tests", "Assessment.Integration.Tests", "Seeds", "chaos.yaml") ?? SeedFile;
        var settings = Enumerable.Range(0, silos)
            .Select(i => new ServerProcess.Settings(database.ConnectionString, Path.Combine(root, $"silo{i + 1}"),
                i == 0 ? seed : null, Throwaway: false, ClusterMode: "adonet", [.. membership, .. extra]) { Dll = release?.Dll })
            .ToArray();
        var cluster = new ChaosCluster(root, database, settings);
        try
        {
            // The first silo applies the migrations and seeds the tenant; the others join it.
            cluster._silos[0] = await ServerProcess.StartAsync(settings[0]);
            cluster.Keys = cluster._silos[0]!.Keys();
            await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(cluster.StartSiloAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public int Count => _silos.Length;

    /// <summary>The running silo at <paramref name="index"/> (null while it is down).</summary>
    public ServerProcess? Silo(int index) => _silos[index];

    /// <summary>kill -9 of one silo: its activations vanish, its in-flight calls get no answer.</summary>
    public void KillSilo(int index)
    {
        _silos[index]?.Kill();
        _silos[index] = null;
    }

    public async Task StartSiloAsync(int index)
    {
        var silo = _silos[index] = await ServerProcess.StartAsync(_settings[index]);
        if (silo.Config.GrpcPort != _settings[index].GrpcPort)
        {
            // Its gRPC port was taken before it bound (it started on another): restarts and clients use the new one.
            Channels[index].Dispose();
            Channels[index] = new Assessment.Cli.ClientChannel(GrpcChannel.ForAddress($"http://127.0.0.1:{silo.Config.GrpcPort}"), retry: false);
        }

        _settings[index] = silo.Config;
    }

    /// <summary>
    /// One step of a rolling upgrade: the silo is stopped as a roll-out stops a pod (SIGTERM, its activations handed
    /// off) and started again on this build, on the same ports and data folder.
    /// </summary>
    public async Task UpgradeSiloAsync(int index)
    {
        if (_silos[index] is { } silo)
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
            _silos[index] = null;
        }

        _settings[index] = _settings[index] with { Dll = null, SeedFile = null };
        await StartSiloAsync(index);
    }

    /// <summary>Which build each running silo is: "earlier", "current" or "down".</summary>
    public string Builds => string.Join(", ", _silos.Select((s, i) => $"silo {i + 1}: {(s is null ? "down" : s.Config.Dll is null ? "current" : "earlier")}"));

    /// <summary><c>pg_ctl stop -m immediate</c>: the database goes away as in a crash (recovery runs on restart).</summary>
    public Task KillDatabaseAsync() => Database.KillAsync();

    public Task StartDatabaseAsync() => Database.RestartAsync();

    /// <summary>What the silos printed (for failure messages).</summary>
    public string Output => string.Join("\n", _silos.Select((s, i) => $"--- silo {i + 1} ---\n{s?.Output ?? "(not running)"}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }

        await Database.StopAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using Assessment.Server.Hosting;
using Npgsql;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL for the whole test run, provisioned by the same code as the embedded default (fsync off:
/// it is a throwaway, and the servers under test are told so). Each server gets a database of its own.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private static int _databases;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "assessment-it-" + Guid.NewGuid().ToString("N")[..8]);

    public EmbeddedPostgres Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Interlocked.Increment(ref _alive);
        Server = await EmbeddedPostgres.StartAsync(_root, null, throwaway: true, _ => { });
    }

    public async Task DisposeAsync()
    {
        await Server.StopAsync();
        Remove(_root);

        // The last fixture of the run takes the servers' data directories with it (their servers are gone by now).
        if (Interlocked.Decrement(ref _alive) == 0)
        {
            Remove(RunRoot);
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"it_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(Server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// A data directory for a server under test (or any other scratch directory a test needs), inside one directory per
    /// test run that the last fixture removes when it is disposed.
    /// </summary>
    public static string NewDataDir() => Path.Combine(Directory.CreateDirectory(RunRoot).FullName, "data-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A path for a scratch file or directory of a test, in the run's directory (removed with it).</summary>
    public static string ScratchPath(string name) => Path.Combine(Directory.CreateDirectory(RunRoot).FullName, name);

    private static readonly string RunRoot = Path.Combine(Path.GetTempPath(), "assessment-it-run-" + Guid.NewGuid().ToString("N")[..8]);
    private static int _alive;

    private static void Remove(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>PostgreSQL plus one shared server seeded with the test prefecture; tests needing their own server start one.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();

    public ServerProcess Server { get; private set; } = null!;

    public IReadOnlyDictionary<string, string> Keys { get; private set; } = null!;

    public const int EvidenceFilesPerUnit = 12;
    public const long EvidenceBytesPerUnit = 6 * 1024 * 1024, EvidenceBytesPerTenant = 12 * 1024 * 1024;

    public static string SeedFile => Path.Combine(AppContext.BaseDirectory, "Seeds", "itest.yaml");

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        // Evidence quotas small enough for the tests to reach them with a few small files (EvidenceTests).
        Server = await ServerProcess.StartAsync(new ServerProcess.Settings(await Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), SeedFile,
            Extra: [$"--Evidence:MaxFilesPerUnit={EvidenceFilesPerUnit}", $"--Evidence:MaxBytesPerUnit={EvidenceBytesPerUnit}", $"--Evidence:MaxBytesPerTenant={EvidenceBytesPerTenant}"]));
        Keys = Server.Keys();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

/// <summary>
/// The tests on one shared server, in series with each other. The integration tests run in three collections, each with
/// its own PostgreSQL and server, so that the first two run side by side: this one, <see cref="ServerCollection"/> (tests
/// that start servers of their own, and the browser), and <see cref="SerialCollection"/> (timings that mean
/// something), which runs alone after them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>Tests that start servers of their own (lifecycle, TLS, clusters, packaging) and the browser tests, beside <see cref="PlatformCollection"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "servers";
}

/// <summary>Chaos and rate limits: run alone, after the others, so that their timings are the platform's, not the suite's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "serial";
}

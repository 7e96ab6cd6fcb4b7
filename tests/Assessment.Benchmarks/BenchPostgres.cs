using Assessment.Server.Hosting;

namespace Assessment.Benchmarks;

/// <summary>
/// A scenario's own PostgreSQL in a directory of its own under the temp directory, stopped and removed when the scenario
/// ends (a full run leaves several hundred MB per scenario otherwise). <c>BENCH_KEEP_DATA=1</c> keeps the directory
/// for a look afterwards and prints where it is.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private BenchPostgres(string root, EmbeddedPostgres postgres) => (Root, Postgres) = (root, postgres);

    /// <summary>The scenario's directory: seeds and server data dirs go here too.</summary>
    public string Root { get; }

    public EmbeddedPostgres Postgres { get; }

    public static async Task<BenchPostgres> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "assessment-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return new BenchPostgres(root, await EmbeddedPostgres.StartAsync(Path.Combine(root, "pg"), null, throwaway: false, _ => { }));
        }
        catch
        {
            Remove(root);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Postgres.StopAsync();
        if (Environment.GetEnvironmentVariable("BENCH_KEEP_DATA") == "1")
        {
            Console.Error.WriteLine($"  (kept {Root})");
            return;
        }

        Remove(Root);
    }

    private static void Remove(string root)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"  could not remove {root}: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            Console.Error.WriteLine($"  could not remove {root}: {ex.Message}");
        }
    }
}

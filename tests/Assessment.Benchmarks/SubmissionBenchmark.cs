using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Grpc.Core;
using Npgsql;

namespace Assessment.Benchmarks;

/// <summary>
/// B1: durable submissions per second end to end (gRPC → unit grain → PostgreSQL → county grain → PostgreSQL), against
/// a dry-run submission on the same server and payload (everything but storage) and a plain upsert of the same payload
/// into PostgreSQL. The database runs with fsync and synchronous_commit on: these are durable figures.
/// </summary>
internal static class SubmissionBenchmark
{
    private const int Counties = 20;
    private const int UnitsPerCounty = 40;

    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var seconds = quick ? 5 : 20;
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        var seed = Path.Combine(root, "seed.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("bench", Counties, UnitsPerCounty));
        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(postgres.ConnectionString, Path.Combine(root, "data"), seed, Throwaway: false));
        var keys = server.Keys().Where(k => k.Key.Contains('/', StringComparison.Ordinal)).Select(k => k.Value).ToArray();
        var payload = BenchData.UnitCounts().Take(40).ToArray();
        var client = new SubmissionService.SubmissionServiceClient(server.Channel);

        await BenchData.KeepWalAsync(postgres.ConnectionString);
        var cpu = await CpuTime.ForAsync(server.ProcessId, postgres.ConnectionString);
        Console.Error.WriteLine($"  B1 dry run, 64 clients, {seconds} s …");
        var cpuBefore = cpu?.Now();
        var dryRun = await Load(64, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: true));
        var dryCpu = cpu?.Now() - cpuBefore;
        var walBefore = await BenchData.WalBytesAsync(postgres.ConnectionString);
        var commitsBefore = await BenchData.CommitsAsync(postgres.ConnectionString);
        Console.Error.WriteLine($"  B1 durable, 64 clients, {seconds} s …");
        cpuBefore = cpu?.Now();
        var durable = await Load(64, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: false));
        var durableCpu = cpu?.Now() - cpuBefore;
        var walPerSubmission = (await BenchData.WalBytesAsync(postgres.ConnectionString) - walBefore) / durable.Count;
        var byTable = await BenchData.WalByTableAsync(postgres.ConnectionString, walBefore);
        Console.Error.WriteLine("  B7 WAL per durable submission by relation (bytes): "
            + string.Join(", ", byTable.Take(8).Select(t => $"{t.Relation} {t.Bytes / (double)durable.Count:F0}")));
        // Every transaction of the cluster in that time (the server's background work too): what group commits save.
        var commitsPerSubmission = (double)(await BenchData.CommitsAsync(postgres.ConnectionString) - commitsBefore) / durable.Count;
        var copyWalPerSubmission = (await BenchData.CopyAsync(postgres.ConnectionString, "bench_values", durable.Count, payload.Length)).WalBytes / durable.Count;
        Console.Error.WriteLine($"  B1 durable, 1 client, then the plain upsert, {seconds} s each …");
        var single = await Load(1, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: false));
        var upsert = await UpsertBaseline(postgres.ConnectionString, 32, seconds, payload.Length);

        List<Result> cpuRows = dryCpu is { } d && durableCpu is { } w
            ?
            [
                // What each side spends per submission, in ms of CPU: steadier than rates on a shared machine. On a
                // saturated machine running nothing else, durable/dry rate ≈ dry/durable total CPU per submission.
                new Result("B1 CPU per durable submission, all processes (ms)", 1000 * w.Total / durable.Count, 1000 * d.Total / dryRun.Count, "per dry-run submission"),
                new Result("B1 CPU per durable submission, server (ms)", 1000 * w.Server / durable.Count, 1000 * d.Server / dryRun.Count, "per dry-run submission"),
                new Result("B1 CPU per durable submission, PostgreSQL (ms)", 1000 * w.Postgres / durable.Count, 1000 * d.Total / dryRun.Count, "all processes, per dry-run submission"),
                new Result("B1 CPU per durable submission, clients (ms)", 1000 * w.Clients / durable.Count, 1000 * d.Clients / dryRun.Count, "per dry-run submission"),
            ]
            : [];
        return
        [
            new Result("B1 durable submissions, 64 clients (per s)", durable.Rate, dryRun.Rate, "same RPC as dry run (no storage), 64 clients", HigherIsBetter: true),
            new Result("B1 durable submissions, 64 clients (per s)", durable.Rate, upsert.Rate, "plain PostgreSQL upsert, 32 clients", HigherIsBetter: true),
            new Result("B1 latency p50, 64 clients (ms)", durable.P50, dryRun.P50, "dry run p50"),
            new Result("B1 latency p99, 64 clients (ms)", durable.P99, dryRun.P99, "dry run p99"),
            new Result("B1 latency p50, 1 client (ms)", single.P50, upsert.P50, "upsert p50 at 32 clients"),
            new Result("B7 WAL per durable submission (KB)", walPerSubmission / 1024, copyWalPerSubmission / 1024, "COPY of the same values, a row per value"),
            new Result("B7 PostgreSQL commits per durable submission", commitsPerSubmission, 1, "one per submission (the plain upsert)"),
            .. cpuRows,
        ];
    }

    private sealed record LoadStats(double Rate, double P50, double P99, int Count);

    private static async Task<LoadStats> Load(int clients, int seconds, string[] keys, Func<string, int, Task> call)
    {
        var latencies = new List<double>[clients];
        var stop = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, clients).Select(async c =>
        {
            latencies[c] = [];
            for (var i = 0; stop.Elapsed.TotalSeconds < seconds; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await call(keys[(c + (i * clients)) % keys.Length], i);
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadStats(all.Length / stop.Elapsed.TotalSeconds, all[all.Length / 2], all[(int)(all.Length * 0.99)], all.Length);
    }

    private static async Task Submit(SubmissionService.SubmissionServiceClient client, string key, IReadOnlyList<string> codes, int iteration, bool dryRun)
    {
        var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024, DryRun = dryRun };
        for (var k = 0; k < codes.Count; k++)
        {
            request.Values.Add(new IndicatorValue { Code = codes[k], Value = iteration + k });
        }

        await client.SubmitIndicatorsAsync(request, ServerProcess.As(key, 30));
    }

    private static async Task<LoadStats> UpsertBaseline(string connectionString, int clients, int seconds, int values)
    {
        await using var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS bench_upsert (id text PRIMARY KEY, version int NOT NULL, payload bytea NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        // A JSON payload of the same shape as a unit's stored state for this submission.
        var payload = System.Text.Encoding.UTF8.GetBytes("{" + string.Join(",", Enumerable.Range(0, values).Select(i => $"\"indicator.code_{i:D3}\":{i}.0")) + "}");
        var keys = Enumerable.Range(0, Counties * UnitsPerCounty).Select(i => $"u{i}").ToArray();
        return await Load(clients, seconds, keys, async (key, i) =>
        {
            await using var cmd = dataSource.CreateCommand("INSERT INTO bench_upsert (id, version, payload) VALUES ($1, 1, $2) ON CONFLICT (id) DO UPDATE SET version = bench_upsert.version + 1, payload = $2");
            cmd.Parameters.AddWithValue(key);
            cmd.Parameters.AddWithValue(payload);
            await cmd.ExecuteNonQueryAsync();
        });
    }
}

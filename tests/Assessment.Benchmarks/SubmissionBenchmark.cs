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
        var root = Path.Combine(Path.GetTempPath(), "assessment-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var postgres = await EmbeddedPostgres.StartAsync(Path.Combine(root, "pg"), null, throwaway: false, _ => { });
        try
        {
            var seed = Path.Combine(root, "seed.yaml");
            await File.WriteAllTextAsync(seed, SeedYaml());
            await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(postgres.ConnectionString, Path.Combine(root, "data"), seed, Throwaway: false));
            var keys = server.Keys().Where(k => k.Key.Contains('/', StringComparison.Ordinal)).Select(k => k.Value).ToArray();
            var payload = Payload(IndicatorCatalog.Default);
            var client = new SubmissionService.SubmissionServiceClient(server.Channel);

            var dryRun = await Load(64, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: true));
            var walBefore = await WalBytes(postgres.ConnectionString);
            var durable = await Load(64, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: false));
            var walPerSubmission = (await WalBytes(postgres.ConnectionString) - walBefore) / durable.Count;
            var copyWalPerSubmission = await CopyBaseline(postgres.ConnectionString, durable.Count, payload.Count);
            var single = await Load(1, seconds, keys, (key, i) => Submit(client, key, payload, i, dryRun: false));
            var upsert = await UpsertBaseline(postgres.ConnectionString, 32, seconds, payload.Count);

            return
            [
                new Result("B1 durable submissions, 64 clients (per s)", durable.Rate, dryRun.Rate, "same RPC as dry run (no storage), 64 clients", HigherIsBetter: true),
                new Result("B1 durable submissions, 64 clients (per s)", durable.Rate, upsert.Rate, "plain PostgreSQL upsert, 32 clients", HigherIsBetter: true),
                new Result("B1 latency p50, 64 clients (ms)", durable.P50, dryRun.P50, "dry run p50"),
                new Result("B1 latency p99, 64 clients (ms)", durable.P99, dryRun.P99, "dry run p99"),
                new Result("B1 latency p50, 1 client (ms)", single.P50, upsert.P50, "upsert p50 at 32 clients"),
                new Result("B7 WAL per durable submission (KB)", walPerSubmission / 1024, copyWalPerSubmission / 1024, "COPY of the same values, a row per value"),
            ];
        }
        finally
        {
            await postgres.StopAsync();
        }
    }

    private sealed record LoadStats(double Rate, double P50, double P99, int Count);

    private static async Task<double> WalBytes(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8", connection);
        return (double)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The same number of submissions' values written with COPY as one row per value: the WAL floor.</summary>
    private static async Task<double> CopyBaseline(string connectionString, int submissions, int values)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS bench_values (unit text NOT NULL, code text NOT NULL, value float8 NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var before = await WalBytes(connectionString);
        await using (var writer = await connection.BeginBinaryImportAsync("COPY bench_values (unit, code, value) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < submissions; i++)
            {
                for (var k = 0; k < values; k++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync($"u{i % (Counties * UnitsPerCounty)}");
                    await writer.WriteAsync($"indicator.code_{k:D3}");
                    await writer.WriteAsync((double)(i + k));
                }
            }

            await writer.CompleteAsync();
        }

        return (await WalBytes(connectionString) - before) / submissions;
    }

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

    /// <summary>40 unit-level counts that are not the numerator of any rate, so any values are consistent.</summary>
    private static IReadOnlyList<string> Payload(IndicatorCatalog catalog)
    {
        var numerators = catalog.Indicators.Where(i => i.IsComputedRate).Select(i => i.Numerator).ToHashSet();
        return catalog.Indicators
            .Where(i => i.Source == IndicatorSource.Unit && i.Kind == IndicatorKind.Count && !numerators.Contains(i.Code))
            .Select(i => i.Code)
            .Take(40)
            .ToArray();
    }

    private static string SeedYaml()
    {
        var yaml = new System.Text.StringBuilder("tenant:\n  id: bench\n  name: 基准市\n  issuer: 基准市依法治市办\n  document_prefix: 基法\n  recipients: 各县\nyear: 2024\ncounties:\n");
        for (var c = 0; c < Counties; c++)
        {
            yaml.Append($"  - id: c{c}\n    name: 县{c}\n    units:\n");
            for (var u = 0; u < UnitsPerCounty; u++)
            {
                yaml.Append($"      - {{ id: u{u}, name: 单位{u} }}\n");
            }
        }

        return yaml.ToString();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Grpc.Core;
using Npgsql;

namespace Assessment.Benchmarks;

/// <summary>
/// B2: a national year, every unit of the country submitting once (2,850 counties × 40 units = 114,000 submissions,
/// 10–33 values each) from 64 concurrent clients over gRPC, against a COPY of the same values into a table, a row per
/// value. Afterwards the stored unit grains are counted: exactly one per submission, and no conflicts.
/// QUICK runs a twentieth of the country.
/// </summary>
internal static class NationalYearBenchmark
{
    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var counties = quick ? 143 : 2850;
        const int units = 40;
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        var seed = Path.Combine(root, "seed.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("nation", counties, units));
        Console.Error.WriteLine($"  [{DateTime.UtcNow:HH:mm:ss}] seeding {counties:N0} counties × {units} units and starting the server …");
        await using var server = await ServerProcess.StartAsync(
            new ServerProcess.Settings(postgres.ConnectionString, Path.Combine(root, "data"), seed, Throwaway: false),
            readyTimeout: TimeSpan.FromMinutes(10));
        var keys = server.Keys().Where(k => k.Key.Contains('/', StringComparison.Ordinal)).Select(k => k.Value).ToArray();
        var codes = BenchData.UnitCounts();
        var queue = new ConcurrentQueue<(string Key, int Index)>(keys.Select((k, i) => (k, i)));
        var client = new SubmissionService.SubmissionServiceClient(server.Channel);
        var failures = new ConcurrentDictionary<StatusCode, int>();
        var values = 0L;
        var sent = 0;
        var step = Math.Max(1, keys.Length / 10);
        Console.Error.WriteLine($"  [{DateTime.UtcNow:HH:mm:ss}] submitting {keys.Length:N0} units' figures, 64 clients …");
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            while (queue.TryDequeue(out var item))
            {
                var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
                var count = 10 + (item.Index % (codes.Length - 9));
                for (var k = 0; k < count; k++)
                {
                    request.Values.Add(new IndicatorValue { Code = codes[k], Value = item.Index + k });
                }

                Interlocked.Add(ref values, count);
                try
                {
                    await client.SubmitIndicatorsAsync(request, ServerProcess.As(item.Key, 60));
                }
                catch (RpcException ex)
                {
                    failures.AddOrUpdate(ex.StatusCode, 1, (_, n) => n + 1);
                }

                if (Interlocked.Increment(ref sent) % step == 0)
                {
                    Console.Error.WriteLine($"  [{DateTime.UtcNow:HH:mm:ss}] {sent:N0} of {keys.Length:N0} sent ({sent / watch.Elapsed.TotalSeconds:N0}/s)");
                }
            }
        }));
        var seconds = watch.Elapsed.TotalSeconds;

        await using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        long stored;
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM unit_states WHERE unit NOT LIKE '\\_%'"))
        {
            stored = (long)(await count.ExecuteScalarAsync())!;
        }

        if (stored == 0)
        {
            throw new InvalidOperationException("No unit grain rows found: the count query does not match the stored grain type.");
        }

        Console.Error.WriteLine($"  [{DateTime.UtcNow:HH:mm:ss}] counted {stored:N0} stored; COPY of the same values …");
        var copySeconds = (await BenchData.CopyAsync(postgres.ConnectionString, "bench_national", keys.Length, (int)(values / keys.Length))).Seconds;
        var conflicts = failures.Values.Sum();
        return
        [
            new Result($"B2 national year: {keys.Length:N0} submissions, 64 clients (s)", seconds, copySeconds, "COPY of the same values, a row per value"),
            new Result($"B2 unit submissions stored afterwards (of {keys.Length:N0})", stored, keys.Length, "submissions sent", HigherIsBetter: true),
            new Result("B2 failed or conflicting submissions", conflicts, 0.000001, "none allowed"),
        ];
    }
}

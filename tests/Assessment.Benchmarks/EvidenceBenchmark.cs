using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using NpgsqlTypes;

namespace Assessment.Benchmarks;

/// <summary>
/// B11 佐证材料 (issue 32): 200 files of 5 MB uploaded over gRPC in 1 MiB chunks by 4 clients (each file stored chunk by
/// chunk, read back once to be checked, its chunks renamed to the blob, attached through the county grain) against the
/// same bytes written by this process straight to PostgreSQL in the same chunks by 4 writers (target ≥ 0.5×); then
/// the county's package of those ~1 GB streamed to the benchmark, the server's resident memory sampled throughout
/// (target: grows by ≤ 100 MB).
/// </summary>
internal static class EvidenceBenchmark
{
    private const int Chunk = 1024 * 1024;
    private const int Writers = 4;

    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var files = quick ? 40 : 200;
        const int size = 5 * 1024 * 1024;
        await using var bench = await BenchPostgres.StartAsync();
        var seed = Path.Combine(bench.Root, "seed.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("evidence", 1, Writers));
        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(bench.Postgres.ConnectionString, Path.Combine(bench.Root, "data"), seed,
            Throwaway: false, Extra: ["--Evidence:MaxBytesPerUnit=10000000000"]));
        var keys = server.Keys();
        var bodies = Enumerable.Range(0, files).Select(Body).ToArray(); // distinct bytes: nothing is de-duplicated away

        // Baseline: the same bytes, the same chunks, straight into a table of the same shape, 4 writers.
        await using (var setup = new NpgsqlConnection(bench.Postgres.ConnectionString))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand(
                "CREATE TABLE bench_chunks (blob text, at_byte bigint, data bytea, PRIMARY KEY (blob, at_byte)); ALTER TABLE bench_chunks ALTER COLUMN data SET STORAGE EXTERNAL", setup);
            await create.ExecuteNonQueryAsync();
        }

        await using var data = NpgsqlDataSource.Create(bench.Postgres.ConnectionString);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, files), new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (i, ct) =>
        {
            for (var at = 0; at < size; at += Chunk)
            {
                await using var insert = data.CreateCommand("INSERT INTO bench_chunks VALUES ($1, $2, $3)");
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"f{i}" });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = at });
                insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = bodies[i].AsMemory(at, Math.Min(Chunk, size - at)), NpgsqlDbType = NpgsqlDbType.Bytea });
                await insert.ExecuteNonQueryAsync(ct);
            }
        });
        var direct = files * (size / 1048576.0) / watch.Elapsed.TotalSeconds;

        var client = new EvidenceService.EvidenceServiceClient(server.Channel);
        watch.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, files), new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (i, ct) =>
        {
            var bytes = bodies[i];
            using var call = client.UploadEvidence(ServerProcess.As(keys[$"c0/u{i % Writers}"], 300));
            await call.RequestStream.WriteAsync(new UploadEvidenceRequest
            {
                Header = new EvidenceUploadHeader
                {
                    UploadId = Guid.NewGuid().ToString(), Year = 2024, Indicator = "legalaid.cases", FileName = $"案卷{i:000}.pdf", Size = bytes.Length,
                    Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
                },
            }, ct);
            for (var at = 0; at < size; at += Chunk)
            {
                await call.RequestStream.WriteAsync(new UploadEvidenceRequest
                {
                    Chunk = new EvidenceChunk { Offset = at, Data = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(at, Math.Min(Chunk, size - at))) },
                }, ct);
            }

            await call.RequestStream.CompleteAsync();
            if ((await call.ResponseAsync).File is null)
            {
                throw new InvalidOperationException($"file {i} was not attached");
            }
        });
        var uploaded = files * (size / 1048576.0) / watch.Elapsed.TotalSeconds;
        bodies = null!;
        GC.Collect();

        // The package of everything, streamed and dropped; the server's RSS sampled every 50 ms.
        var before = Rss(server.ProcessId);
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(server.ProcessId));
                await Task.Delay(50);
            }
        });
        long packaged = 0;
        watch.Restart();
        using (var call = client.PackageEvidence(new PackageEvidenceRequest { Year = 2024, County = "c0" }, ServerProcess.As(keys["assessor"], 600)))
        {
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                packaged += chunk.Data.Length;
            }
        }

        var packSeconds = watch.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var mb = packaged / 1048576.0;
        return
        [
            new Result(string.Create(CultureInfo.InvariantCulture, $"B11 {files} × 5 MB 佐证材料 uploaded over gRPC, 4 clients (MB/s; target ≥ 0.5×)"), uploaded, direct,
                "the same bytes and chunks inserted straight into PostgreSQL, 4 writers", HigherIsBetter: true),
            new Result(string.Create(CultureInfo.InvariantCulture, $"B11 package of {mb:0} MB streamed: server RSS growth (MB; target ≤ 100)"), peak - before, 100, "the 100 MB budget"),
            new Result(string.Create(CultureInfo.InvariantCulture, $"B11 package of {mb:0} MB streamed (MB/s)"), mb / packSeconds, direct, "the direct inserts above (MB/s)", HigherIsBetter: true),
        ];
    }

    /// <summary>A PDF-shaped file of 5 MB whose bytes no other file has.</summary>
    private static byte[] Body(int i)
    {
        var bytes = new byte[5 * 1024 * 1024];
        new Random(i).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        "\n%%EOF\n"u8.CopyTo(bytes.AsSpan(bytes.Length - 7));
        return bytes;
    }

    private static double Rss(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

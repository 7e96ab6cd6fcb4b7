using System.Diagnostics;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Assessment.Benchmarks;

/// <summary>
/// B6: managed heap per active county grain (after a full GC) with all 2,850 counties of the country active and holding
/// a realistic aggregate (40 units × 40 values applied), against the same grain type activated with empty state.
/// Runs an in-process silo whose storage keeps nothing (writes succeed and are dropped, reads find nothing): the figure
/// is the grain's footprint, not the database's.
/// </summary>
internal static class MemoryBenchmark
{
    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var counties = quick ? 570 : 2850; // quick: a fifth of the country
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: Assessment.Server.Hosting.Ports.Free(), gatewayPort: Assessment.Server.Hosting.Ports.Free()); // beside a user's running server
            // Storage that keeps nothing: the memory provider would hold a serialized copy of every state in this heap,
            // which a database-backed silo does not.
            Orleans.Runtime.Hosting.StorageProviderExtensions.AddGrainStorage(silo.Services, StorageNames.Default, (_, _) => new DiscardGrainStorage());
            Orleans.Runtime.Hosting.StorageProviderExtensions.AddGrainStorage(silo.Services, StorageNames.Counties, (_, _) => new DiscardGrainStorage());
            Orleans.Runtime.Hosting.StorageProviderExtensions.AddGrainStorage(silo.Services, StorageNames.Units, (_, _) => new DiscardGrainStorage());
            silo.UseInMemoryReminderService();
            silo.Services.AddAssessmentGrains();
            // In production the entries live in PostgreSQL, not in the silo's heap; here they are dropped.
            silo.Services.AddSingleton<Assessment.Grains.Audit.IAuditLog, DiscardAuditLog>();
            silo.Services.AddSingleton<Assessment.Grains.Publications.IBulletinStore, Assessment.Grains.Publications.InMemoryBulletinStore>();
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var codes = Assessment.Domain.Catalog.IndicatorCatalog.Default.Indicators
                .Where(i => i.Source == Assessment.Domain.Catalog.IndicatorSource.Unit && i.Kind == Assessment.Domain.Catalog.IndicatorKind.Count)
                .Select(i => i.Code).Take(40).ToArray();
            var numerators = Assessment.Domain.Catalog.IndicatorCatalog.Default.Indicators.Where(i => i.IsComputedRate).Select(i => i.Numerator).ToHashSet();
            codes = codes.Where(c => !numerators.Contains(c)).ToArray();

            var baseline = Heap();
            await Parallel.ForEachAsync(Enumerable.Range(0, counties), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) =>
                await grains.GetGrain<ICountyGrain>(GrainKeys.County("empty", $"c{c}", 2024)).GetAggregate());
            var empty = (Heap() - baseline) / counties;

            var before = Heap();
            await Parallel.ForEachAsync(Enumerable.Range(0, counties), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, _) =>
            {
                var county = grains.GetGrain<ICountyGrain>(GrainKeys.County("full", $"c{c}", 2024));
                for (var u = 0; u < 40; u++)
                {
                    var values = codes.ToDictionary(code => code, code => (double)(u + c));
                    await county.ApplyUnitChange(new UnitChange($"u{u}", 1, values, [], DateTimeOffset.UtcNow, $"u{u}"));
                }
            });
            var full = (Heap() - before) / counties;
            var rss = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
            return
            [
                new Result($"B6 heap per active county grain, {counties} active, 40 units × {codes.Length} values (KB)", full / 1024, empty / 1024, "the same grain with empty state"),
                new Result($"B6 process RSS with {counties * 2} county grains active (MB)", rss, 1024, "the 1 GB budget"),
            ];
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static double Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Keeps no state: every write succeeds and is dropped, every read finds nothing (as for a new grain).</summary>
internal sealed class DiscardGrainStorage : Orleans.Storage.IGrainStorage
{
    private long _etag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Interlocked.Increment(ref _etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>Keeps no audit entries, so the heap measured is the grains' own.</summary>
internal sealed class DiscardAuditLog : Assessment.Grains.Audit.IAuditLog
{
    public Task AppendAsync(string chain, IReadOnlyList<Assessment.Domain.Workflow.AuditRecord> records) => Task.CompletedTask;

    public Task<IReadOnlyList<Assessment.Domain.Workflow.AuditRecord>> ReadAsync(string chain, int from, int to) =>
        Task.FromResult<IReadOnlyList<Assessment.Domain.Workflow.AuditRecord>>([]);
}

using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Assessment.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster with memory storage and reminders, plus two switches that inject the faults the
/// grains must survive: a county that refuses changes, and a storage that refuses writes.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The test silo's bulletin store (the server's is PostgreSQL, tested in the integration suite).</summary>
    public static Assessment.Grains.Publications.InMemoryBulletinStore Bulletins { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client)
        {
            client.Services.AddAssessmentSerialization();
            // The test client acts for the tenant of the grain it calls, as the server does for each request, unless a
            // test says whom it acts for.
            client.AddOutgoingGrainCallFilter(async context =>
            {
                if (RequestContext.Get("assessment.tenant") is not null || RequestContext.Get("assessment.system") is not null)
                {
                    await context.Invoke();
                    return;
                }

                using (TenantGuard.ActFor(TenantGuard.OwnerOf(context.TargetId.Key.ToString())))
                {
                    await context.Invoke();
                }
            });
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            // The same storage format as the server (System.Text.Json), so what a grain stores is what production can store.
            silo.AddMemoryGrainStorage("inner", o => o.GrainStorageSerializer = new JsonGrainStorageSerializer());
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Default, (sp, _) => new FlakyStorage(sp.GetRequiredKeyedService<IGrainStorage>("inner")));
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Counties, (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default));
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Units, (sp, _) => sp.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default));
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<ICountyFactsStore, GatedFactsStore>();
            silo.Services.AddAssessmentGrains();
            silo.Services.AddSingleton<Assessment.Grains.Audit.IAuditLog, InMemoryAuditLog>();
            silo.Services.AddSingleton<Assessment.Grains.Publications.IBulletinStore>(Bulletins);
            silo.AddIncomingGrainCallFilter<TenantGuard>();
            // This cluster's test client connects through a gateway; the platform's own silos admit no such client.
            silo.Services.Configure<TenantGuardOptions>(o => o.AdmitOutsideClients = true);
            silo.AddIncomingGrainCallFilter<Assessment.Grains.Grains.BrokenActivationFilter>();
            // Reminders every second; one notice two seconds before a deadline and one at it (test rounds set short deadlines).
            silo.Services.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.Configure<RoundOptions>(o =>
            {
                o.ReminderPeriod = TimeSpan.FromSeconds(1);
                o.ReminderOffsets = [TimeSpan.FromSeconds(-2), TimeSpan.Zero];
                o.AllowLoopbackWebhooks = true; // the test's listener is on loopback
            });
            silo.AddIncomingGrainCallFilter(async context =>
            {
                if (Faults.CountyDown && context.InterfaceMethod?.Name == nameof(ICountyGrain.ApplyUnitChange))
                {
                    throw new UnavailableException("county down (injected)");
                }

                await context.Invoke();
            });
        }
    }
}

/// <summary>Fault switches read by the test silo. Tests that flip them share one collection and run in sequence.</summary>
public static class Faults
{
    private static volatile bool _countyDown;
    private static volatile bool _storageDown;
    private static volatile bool _countyStorageDown;
    private static volatile bool _countyReadDown;

    public static bool CountyDown { get => _countyDown; set => _countyDown = value; }

    public static bool StorageDown { get => _storageDown; set => _storageDown = value; }

    /// <summary>Round keys whose stored state reads as from before rounds had an audit chain.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentBag<string> RoundsWithoutChain = [];

    /// <summary>Bulletin keys whose stored state reads, while nothing newer is stored, as an earlier release wrote it.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, BulletinState> LegacyBulletins = new(StringComparer.Ordinal);

    /// <summary>Bulletin keys whose next state write is stored and then reported as failed (a lost answer from storage).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> FailAfterWrite = new(StringComparer.Ordinal);

    /// <summary>State writes per grain key, for tests that show what does not write.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Writes = new(StringComparer.Ordinal);

    /// <summary>Fails only the county grains' writes: units store, counties cannot.</summary>
    public static bool CountyStorageDown { get => _countyStorageDown; set => _countyStorageDown = value; }

    /// <summary>Fails the county grains' reads too: a failed write cannot be repaired by re-reading.</summary>
    public static bool CountyReadDown { get => _countyReadDown; set => _countyReadDown = value; }
}

/// <summary>A grain storage that fails writes while <see cref="Faults.StorageDown"/> is set.</summary>
internal sealed class FlakyStorage(IGrainStorage inner) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Faults.CountyReadDown && stateName == "county")
        {
            throw new IOException("storage read down (injected)");
        }

        await inner.ReadStateAsync(stateName, grainId, grainState);
        if (grainState.State is RoundState round && Faults.RoundsWithoutChain.Contains(grainId.Key.ToString()!))
        {
            // As a round stored before its decisions had a chain reads.
            round.AuditCount = 0;
            round.AuditHash = Assessment.Domain.Workflow.AuditChain.Genesis;
            round.PendingAudit = [];
        }

        if (grainState.State is BulletinState bulletin && !grainState.RecordExists && Faults.LegacyBulletins.TryGetValue(grainId.Key.ToString()!, out var legacy))
        {
            (bulletin.Pending, bulletin.Editions, bulletin.Audit) = (legacy.Pending, [.. legacy.Editions], [.. legacy.Audit]);
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Faults.StorageDown || (Faults.CountyStorageDown && stateName == "county"))
        {
            throw new IOException("storage down (injected)");
        }

        Faults.Writes.AddOrUpdate(grainId.Key.ToString()!, 1, (_, n) => n + 1);
        if (Faults.FailAfterWrite.TryRemove(grainId.Key.ToString()!, out _))
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
            throw new IOException("storage answered with an error after writing (injected)");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TenantGuardTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_call_acting_for_one_tenant_cannot_reach_another_tenants_grains()
    {
        var own = $"g{Guid.NewGuid():N}"[..12];
        var other = $"o{Guid.NewGuid():N}"[..12];
        await TestRounds.OpenAsync(fixture.Grains, own, 2025, ["c1"]);
        await TestRounds.OpenAsync(fixture.Grains, other, 2025, ["c1"]);
        try
        {
            TenantGuard.SetCallerTenant(own);
            Assert.NotNull(await fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(own, 2025)).GetInfo());
            await fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(own, "c1", 2025)).GetAggregate();

            await Assert.ThrowsAsync<PermissionDeniedException>(() => fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(other, 2025)).GetInfo());
            await Assert.ThrowsAsync<PermissionDeniedException>(() => fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(other, "c1", 2025)).GetAggregate());
            await Assert.ThrowsAsync<PermissionDeniedException>(() => fixture.Grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(other)).GetProfile());
            var denied = await Assert.ThrowsAsync<PermissionDeniedException>(() => fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(other, "c1", "a", 2025))
                .Submit(new UnitSubmission(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 1)])));
            Assert.Equal(PermissionDeniedException.Denied, denied.Message);
        }
        finally
        {
            TenantGuard.SetCallerTenant(null);
        }

        Assert.Equal(0, (await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(other, "c1", "a", 2025)).GetSnapshot()).Version);
    }
}

/// <summary>The guard's rule on its own: who calls, for whom, on which path.</summary>
public sealed class TenantGuardRuleTests
{
    private const TenantGuard.CallOrigin Cluster = TenantGuard.CallOrigin.Cluster;
    private const TenantGuard.CallOrigin Hosted = TenantGuard.CallOrigin.HostedClient;
    private const TenantGuard.CallOrigin Outside = TenantGuard.CallOrigin.OutsideClient;
    private const TenantGuard.Verdict Admit = TenantGuard.Verdict.Admit;
    private const TenantGuard.Verdict Refuse = TenantGuard.Verdict.Refuse;

    // Written case by case, not derived: owner (null = a grain not keyed by tenant), tenant acted for, system path,
    // where the call comes from, whether outside clients are admitted, and the verdict.
    [Theory]
    [InlineData("alpha", "alpha", null, Hosted, false, Admit)]             // a request for its own tenant
    [InlineData("alpha", "beta", null, Hosted, false, Refuse)]             // for another tenant
    [InlineData("alpha", "alph", null, Hosted, false, Refuse)]             // a prefix is not the tenant
    [InlineData("alpha", "alpha/c1", null, Hosted, false, Refuse)]         // nor a key of the tenant
    [InlineData("alpha", "beta", "operator", Hosted, false, Refuse)]       // a tenant wins over a path: still another tenant
    [InlineData("alpha", null, null, Hosted, false, Refuse)]               // the server's client naming nobody
    [InlineData("alpha", null, "operator", Hosted, false, Admit)]          // the operator's path
    [InlineData("alpha", null, "seed", Hosted, false, Refuse)]             // a path the platform does not have
    [InlineData("alpha", null, "Operator", Hosted, false, Refuse)]         // paths are exact
    [InlineData("alpha", null, "", Hosted, false, Refuse)]
    [InlineData("alpha", null, null, Cluster, false, Admit)]               // a grain continuing a call, a reminder
    [InlineData("alpha", "beta", null, Cluster, false, Refuse)]            // ... but not for another tenant
    [InlineData(null, null, null, Hosted, false, Admit)]                   // credentials: not keyed by tenant
    [InlineData(null, "beta", null, Hosted, false, Admit)]
    [InlineData(null, null, null, Outside, false, Refuse)]                 // an outside client: nothing at all
    [InlineData("alpha", "alpha", null, Outside, false, Refuse)]           // whatever it claims
    [InlineData("alpha", null, "operator", Outside, false, Refuse)]
    [InlineData("alpha", "alpha", null, Outside, true, Admit)]             // the grain test cluster's client
    [InlineData("alpha", null, null, Outside, true, Refuse)]               // ... which still names a tenant
    public void Decides(string? owner, string? tenant, string? path, TenantGuard.CallOrigin origin, bool admitOutside, TenantGuard.Verdict expected) =>
        Assert.Equal(expected, TenantGuard.Decide(owner, tenant, path, origin, admitOutside));

    [Fact]
    public void A_hosted_client_naming_no_tenant_and_no_system_path_is_refused_a_tenants_grain() =>
        Assert.Equal(TenantGuard.Verdict.Refuse, TenantGuard.Decide("alpha", null, null, TenantGuard.CallOrigin.HostedClient, admitOutsideClients: false));

    [Fact]
    public void Only_named_system_paths_can_be_entered()
    {
        Assert.Throws<ArgumentException>(() => TenantGuard.ActAsSystem("seed"));
        using (TenantGuard.ActAsSystem(SystemPaths.Operator))
        {
            using (TenantGuard.ActFor("alpha"))
            {
                Assert.Equal("alpha", RequestContext.Get("assessment.tenant"));
            }

            Assert.Null(RequestContext.Get("assessment.tenant"));
            Assert.Equal(SystemPaths.Operator, RequestContext.Get("assessment.system"));
        }

        Assert.Null(RequestContext.Get("assessment.system"));
    }

    [Theory]
    [InlineData("alpha", "alpha")]
    [InlineData("alpha/2025", "alpha")]
    [InlineData("alpha/c1/2025", "alpha")]
    [InlineData("/x", "")]
    public void The_owner_is_the_key_before_its_first_slash(string key, string owner) => Assert.Equal(owner, TenantGuard.OwnerOf(key));
}

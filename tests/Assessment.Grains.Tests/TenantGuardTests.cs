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

/// <summary>The guard's rule on its own, over every combination of who calls, for whom, and on which path.</summary>
public sealed class TenantGuardRuleTests
{
    public static TheoryData<string?, string?, string?, TenantGuard.CallOrigin, bool, TenantGuard.Verdict> Cases()
    {
        var data = new TheoryData<string?, string?, string?, TenantGuard.CallOrigin, bool, TenantGuard.Verdict>();
        string?[] owners = [null, "alpha"];
        string?[] tenants = [null, "alpha", "beta", "alph", "alpha/c1"];
        string?[] paths = [null, SystemPaths.Operator, "seed", "", "Operator"];
        foreach (var owner in owners)
        foreach (var tenant in tenants)
        foreach (var path in paths)
        foreach (var origin in Enum.GetValues<TenantGuard.CallOrigin>())
        foreach (var admitOutside in new[] { false, true })
        {
            data.Add(owner, tenant, path, origin, admitOutside, Expected(owner, tenant, path, origin, admitOutside));
        }

        return data;
    }

    // The rule written out as a table of refusals: anything not refused is admitted.
    private static TenantGuard.Verdict Expected(string? owner, string? tenant, string? path, TenantGuard.CallOrigin origin, bool admitOutside)
    {
        var refused =
            (origin == TenantGuard.CallOrigin.OutsideClient && !admitOutside)
            || (owner is not null && tenant is not null && tenant != owner)
            || (owner is not null && tenant is null && path is not null && path != SystemPaths.Operator)
            || (owner is not null && tenant is null && path is null && origin != TenantGuard.CallOrigin.Cluster);
        return refused ? TenantGuard.Verdict.Refuse : TenantGuard.Verdict.Admit;
    }

    [Theory]
    [MemberData(nameof(Cases))]
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

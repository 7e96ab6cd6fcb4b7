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

using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Grains;

namespace Assessment.Grains.Tests;

/// <summary>
/// A round's decisions (define, open, close, publish, re-pins, quota) go into a hash chain of their own in the
/// insert-only audit log, not only into the short list the round shows; a decision stored while the log is away is
/// appended with the next write.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RoundAuditChainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_decision_of_a_round_is_in_its_chain_in_order_and_the_chain_verifies()
    {
        var tenant = $"r{Guid.NewGuid():N}"[..12];
        var chain = RoundGrain.ChainOf(tenant, 2025);
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1", "c2"]);

        // The log is away when the round closes: the decision is stored with the round and appended with the next write.
        var log = InMemoryAuditLog.Current!;
        log.FailNext = c => c == chain;
        await fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2025)).Close(TestRounds.Actor);
        log.FailNext = null;
        Assert.Equal(2, (await log.ReadAsync(chain, 0, int.MaxValue)).Count);

        foreach (var county in new[] { "c1", "c2" })
        {
            var grain = fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county, 2025));
            await grain.SubmitForReview(new WorkflowCommand($"{county}县"));
            await grain.Approve(new WorkflowCommand(TestRounds.Actor));
        }

        var info = await fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2025)).Publish(TestRounds.Actor);
        var records = await log.ReadAsync(chain, 0, int.MaxValue);
        Assert.True(AuditChain.Verify(records).Intact);
        Assert.Equal(["define", "open", "close", "publish"], records.Select(r => AuditChain.Parse(r.Body).Action));
        Assert.Equal(info.Audit.Select(a => a.Detail), records.Select(r => AuditChain.Parse(r.Body).After));
        Assert.All(records, r => Assert.Equal(TestRounds.Actor, AuditChain.Parse(r.Body).Actor));
    }

    [Fact]
    public async Task A_round_stored_before_the_chain_starts_it_from_the_decisions_it_shows()
    {
        var tenant = $"l{Guid.NewGuid():N}"[..12];
        var chain = RoundGrain.ChainOf(tenant, 2025);
        var log = InMemoryAuditLog.Current!;
        // Defined and opened while the log is away, then read back as a round from before the chain: nothing of it is
        // in the log, and the state has no chain.
        log.FailNext = c => c == chain;
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        log.FailNext = null;
        Faults.RoundsWithoutChain.Add(GrainKeys.Round(tenant, 2025));
        await round.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Empty(await log.ReadAsync(chain, 0, int.MaxValue));

        // The next activation copies the two decisions it shows into the chain; the next decision follows them.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<AuditRecord> records;
        do
        {
            await Task.Delay(100);
            await round.GetInfo();
            records = await log.ReadAsync(chain, 0, int.MaxValue);
        }
        while (records.Count < 2 && DateTime.UtcNow < deadline);

        await round.Close(TestRounds.Actor);
        records = await log.ReadAsync(chain, 0, int.MaxValue);
        Assert.True(AuditChain.Verify(records).Intact);
        Assert.Equal(["define", "open", "close"], records.Select(r => AuditChain.Parse(r.Body).Action));
    }
}

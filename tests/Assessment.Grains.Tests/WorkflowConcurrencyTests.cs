using System.Collections.Concurrent;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class WorkflowConcurrencyTests(ClusterFixture fixture)
{
    private const string Assessor = TestRounds.Actor;

    [Fact]
    public async Task Thirty_units_submitting_while_the_county_is_submitted_adjusted_and_returned_lose_nothing()
    {
        var tenant = $"cc{Guid.NewGuid():N}"[..20];
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        var county = fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, "c1", 2025));
        var units = Enumerable.Range(0, 30).Select(i => $"u{i}").ToArray();
        const int perUnit = 20;
        var refusals = new ConcurrentDictionary<string, int>();

        // Each unit submits 20 new figures, one at a time; a refusal while the county is in review is retried (same id:
        // nothing was stored) until the county is returned.
        var submitting = Task.WhenAll(units.Select((unit, i) => Task.Run(async () =>
        {
            var grain = fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, "c1", unit, 2025));
            for (var n = 1; n <= perUnit; n++)
            {
                var submission = new UnitSubmission(Guid.NewGuid(), [new ValueEntry("legalaid.cases", (i * 1000) + n), new ValueEntry("mediation.disputes_received", n)], Actor: unit);
                while (true)
                {
                    try
                    {
                        Assert.Equal(n, (await grain.Submit(submission)).Version);
                        break;
                    }
                    catch (PreconditionException ex)
                    {
                        refusals.AddOrUpdate(ex.Reason, 1, (_, c) => c + 1);
                        await Task.Delay(5);
                    }
                }
            }
        })));

        // Meanwhile the assessor takes the county through review again and again, adjusting each time.
        var adjustments = 0;
        while (!submitting.IsCompleted)
        {
            var view = await county.SubmitForReview(new WorkflowCommand("县", ExpectedVersion: null));
            await county.Adjust(new AdjustmentCommand(null, "org", -0.5, $"第{adjustments + 1}次核查", false, new WorkflowCommand(Assessor, "核查扣分", view.Version)));
            adjustments++;
            await Task.Delay(20);
            await county.Return(new WorkflowCommand(Assessor, $"第{adjustments}次退回"));
            await Task.Delay(30);
        }

        await submitting;
        Assert.True(adjustments >= 2, $"only {adjustments} review cycles ran during the submissions");
        Assert.True(refusals.GetValueOrDefault(LockReasons.CountySubmitted) > 0, "no submission met a county in review");
        Assert.Equal([LockReasons.CountySubmitted], refusals.Keys);

        // The aggregate is exactly the sum of every unit's latest values; every unit's versions are gapless 1..20.
        var aggregate = await county.GetAggregate();
        Assert.Equal(units.Select((_, i) => (i * 1000.0) + perUnit).Sum(), aggregate.Values["legalaid.cases"]);
        Assert.Equal(units.Length * perUnit, aggregate.Values["mediation.disputes_received"]);
        foreach (var unit in units)
        {
            var snapshot = await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, "c1", unit, 2025)).GetSnapshot();
            Assert.Equal(Enumerable.Range(1, perUnit).Reverse(), snapshot.Recent.Select(r => r.Version));
            Assert.Equal(perUnit, aggregate.UnitVersions[unit]);
        }

        // No adjustment lost; the chain is intact and holds every submission and every step.
        var workflow = await county.GetWorkflow();
        Assert.Equal(adjustments, workflow.Adjustments.Length);
        var page = await county.ReadAudit(0, 1000);
        var entries = page.Entries.Select(e => e.ToDomain()).ToArray();
        Assert.True(AuditChain.Verify(entries, new AuditHead(page.Head.Count, page.Head.Hash)).Intact);
        var actions = entries.Select(e => AuditChain.Parse(e.Body).Action).ToArray();
        Assert.Equal(units.Length * perUnit, actions.Count(a => a == "submission"));
        Assert.Equal(adjustments, actions.Count(a => a == "adjust"));
        Assert.Equal(adjustments, actions.Count(a => a == "return"));

        // Racing writes on the same expected version: exactly one wins, the others are ABORTED and change nothing.
        await county.SubmitForReview(new WorkflowCommand("县"));
        var version = (await county.GetWorkflow()).Version;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            try
            {
                await county.Adjust(new AdjustmentCommand(null, "org", -1, null, false, new WorkflowCommand($"考核员{i}", "并发核查", version)));
                return "ok";
            }
            catch (AbortedException)
            {
                return "aborted";
            }
        }));
        Assert.Equal(1, outcomes.Count(o => o == "ok"));
        Assert.Equal(15, outcomes.Count(o => o == "aborted"));
        Assert.Equal(adjustments + 1, (await county.GetWorkflow()).Adjustments.Length);
        var returns = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await county.Return(new WorkflowCommand($"考核员{i}", "并发退回", version + 1));
                return true;
            }
            catch (AbortedException)
            {
                return false;
            }
        }));
        Assert.Equal(1, returns.Count(r => r));
    }
}

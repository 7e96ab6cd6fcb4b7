using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

/// <summary>
/// What the units were told is what the leaders see: no figure changes under review or after publication, and a
/// county whose storage fails beyond repair serves nothing it could not store.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LateChangeAndStorageFaultTests(ClusterFixture fixture)
{
    private static int _next;

    private static string NewTenant() => $"late{Interlocked.Increment(ref _next)}";

    private IUnitGrain Unit(string tenant, string unit) => fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, "c1", unit, 2025));

    private ICountyGrain County(string tenant) => fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, "c1", 2025));

    private static UnitSubmission Cases(double value) => new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", value)], Actor: "单位");

    [Fact]
    public async Task A_change_stored_but_not_yet_in_the_county_lands_before_上报_completes()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        await Unit(tenant, "a").Submit(Cases(5));
        try
        {
            Faults.CountyDown = true; // b's value is stored and acknowledged, its push to the county fails
            await Unit(tenant, "b").Submit(Cases(7));
            Assert.True((await Unit(tenant, "b").GetSnapshot()).CountyPending);
        }
        finally
        {
            Faults.CountyDown = false;
        }

        // 上报 brings b in before the county is under review: the figures under review are the acknowledged ones.
        var view = await County(tenant).SubmitForReview(new WorkflowCommand("c1县"));
        Assert.Equal(CountyStatus.Submitted, view.Status);
        Assert.Equal(12, (await County(tenant).GetAggregate()).Values["legalaid.cases"]);
        Assert.False((await Unit(tenant, "b").GetSnapshot()).CountyPending);
    }

    [Fact]
    public async Task 上报_does_not_complete_while_a_stored_change_cannot_reach_the_county()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        try
        {
            Faults.CountyDown = true;
            await Unit(tenant, "b").Submit(Cases(7));
            await Assert.ThrowsAsync<UnavailableException>(() => County(tenant).SubmitForReview(new WorkflowCommand("c1县")));
            Assert.Equal(CountyStatus.Collecting, (await County(tenant).GetWorkflow()).Status);
        }
        finally
        {
            Faults.CountyDown = false;
        }

        await County(tenant).SubmitForReview(new WorkflowCommand("c1县"));
        Assert.Equal(7, (await County(tenant).GetAggregate()).Values["legalaid.cases"]);
    }

    [Fact]
    public async Task A_push_arriving_after_上报_or_publication_is_refused_and_changes_nothing()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        await Unit(tenant, "a").Submit(Cases(5));
        var county = County(tenant);
        await county.SubmitForReview(new WorkflowCommand("c1县"));

        // A push retried late (after a failure) meets a county under review.
        var late = new UnitChange("late", 1, new Dictionary<string, double> { ["legalaid.cases"] = 100 }, [], DateTimeOffset.UtcNow, "单位");
        var refused = await Assert.ThrowsAsync<PreconditionException>(() => county.ApplyUnitChange(late));
        Assert.Equal(LockReasons.CountySubmitted, refused.Reason);
        Assert.Equal(5, (await county.GetAggregate()).Values["legalaid.cases"]);

        var round = fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2025));
        await round.Close(TestRounds.Actor);
        await county.Approve(new WorkflowCommand(TestRounds.Actor));
        await round.Publish(TestRounds.Actor);
        var published = await round.GetRanking();

        refused = await Assert.ThrowsAsync<PreconditionException>(() => county.ApplyUnitChange(late));
        Assert.Equal(LockReasons.RoundPublished, refused.Reason);
        Assert.Equal(5, (await county.GetAggregate()).Values["legalaid.cases"]);

        // The published ranking is a stored snapshot: the same one after the round grain is gone and back.
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var again = await round.GetRanking();
        Assert.Equal(published.ComputedAt, again.ComputedAt);
        Assert.Equal(published.Rows.Select(r => (r.County, r.Total, r.Grade)), again.Rows.Select(r => (r.County, r.Total, r.Grade)));
        Assert.Equal(published.Rows.Single().Total, (await round.GetCountyScore("c1")).Card.Total);
    }

    [Fact]
    public async Task A_county_that_can_neither_write_nor_re_read_refuses_everything_and_never_stores_what_failed()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        await Unit(tenant, "a").Submit(Cases(5));
        var county = County(tenant);
        var before = await county.ReadAudit(0, 1000);
        var factsBefore = (await county.GetFactsIfChanged(0))!;
        try
        {
            Faults.CountyStorageDown = true;
            Faults.CountyReadDown = true;
            await Unit(tenant, "b").Submit(Cases(7)); // acknowledged by the unit; the county's write and re-read fail
            Assert.True((await Unit(tenant, "b").GetSnapshot()).CountyPending);
            // Refused: by the broken activation, or by a new one that cannot read its state.
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => county.GetAggregate());
            Assert.True(refused is UnavailableException || refused.ToString().Contains("storage read down", StringComparison.Ordinal), refused.ToString());
        }
        finally
        {
            Faults.CountyStorageDown = false;
            Faults.CountyReadDown = false;
        }

        // A new activation reads what was stored: the failed change is not there, and the chain has no entry past
        // the stored head; then the unit's pending change arrives once.
        var restored = await county.ReadAudit(0, 1000);
        Assert.Equal(before.Head, restored.Head);
        await Unit(tenant, "b").Sync();
        var aggregate = await county.GetAggregate();
        Assert.Equal(12, aggregate.Values["legalaid.cases"]);
        var chain = await county.ReadAudit(0, 1000);
        var records = chain.Entries.Select(e => new AuditRecord(e.Index, e.PrevHash, e.Body, e.Hash)).ToArray();
        Assert.True(AuditChain.Verify(records, new AuditHead(chain.Head.Count, chain.Head.Hash)).Intact);
        Assert.Equal(before.Head.Count + 1, chain.Head.Count);

        // The round is told a revision only for stored facts: the revision it knew stands for 5 cases, the new one for 12.
        var factsAfter = await county.GetFactsIfChanged(factsBefore.Revision);
        Assert.NotNull(factsAfter);
        Assert.NotEqual(factsBefore.Revision, factsAfter.Revision);
        Assert.Equal((5.0, 12.0), (factsBefore.Values["legalaid.cases"], factsAfter.Values["legalaid.cases"]));
    }

    [Fact]
    public async Task The_missing_values_counted_again_after_a_re_pin_are_stored()
    {
        var tenant = NewTenant();
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"], units: ["a"]);
        await Unit(tenant, "a").Submit(Cases(3));
        var before = (await County(tenant).GetWorkflow()).Progress.MissingValues;
        Assert.True(before > 0); // the default scheme needs more than legal-aid cases from a unit

        // A scheme that needs nothing from units but legal-aid cases: unit a now lacks nothing.
        const string small = """
            code: small
            version: 1
            name: 小细则
            dimensions:
              - code: mediation
                name: 矛盾纠纷化解
                weight: 100
                lines:
                  - { indicator: legalaid.cases, points: 100, rule: peer_relative }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 不合格, min: 0 }
            """;
        await round.RepinScheme(small, "改用小细则", TestRounds.Actor);
        Assert.Equal(0, (await County(tenant).GetWorkflow()).Progress.MissingValues);

        // Stored, not only in memory: a new activation reads the recount.
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(0, (await County(tenant).GetWorkflow()).Progress.MissingValues);
    }
}

using Assessment.Domain;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UnitAndCountyGrainTests(ClusterFixture fixture)
{
    private static int _next;

    /// <summary>A county in a round of its own (tenant "t" + county), open for submissions.</summary>
    private async Task<string> NewCountyAsync()
    {
        var county = $"c{Interlocked.Increment(ref _next)}";
        await TestRounds.OpenAsync(fixture.Grains, "t" + county, 2024, [county]);
        return county;
    }

    private IUnitGrain Unit(string county, string unit) => fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit("t" + county, county, unit, 2024));

    private ICountyGrain County(string county) => fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County("t" + county, county, 2024));

    private static UnitSubmission Submission(params (string Code, double? Value)[] values) =>
        new(Guid.NewGuid(), values.Select(v => new ValueEntry(v.Code, v.Value)).ToArray());

    [Fact]
    public async Task Units_submissions_aggregate_into_their_county()
    {
        var county = await NewCountyAsync();
        await Unit(county, "a").Submit(Submission(("mediation.disputes_received", 10), ("mediation.disputes_resolved", 9)));
        await Unit(county, "b").Submit(Submission(("mediation.disputes_received", 5)));
        var receipt = await Unit(county, "a").Submit(Submission(("mediation.disputes_received", 12), ("mediation.disputes_resolved", null)));

        Assert.Equal(2, receipt.Version);
        Assert.Equal(1, receipt.Updated);
        Assert.Equal(1, receipt.Cleared);
        var aggregate = await County(county).GetAggregate();
        Assert.Equal(17, aggregate.Values["mediation.disputes_received"]);
        Assert.False(aggregate.Values.ContainsKey("mediation.disputes_resolved"));
        Assert.Equal(2, aggregate.UnitVersions["a"]);
    }

    [Fact]
    public async Task Submitting_the_same_id_twice_returns_the_first_answer_and_counts_once()
    {
        var county = await NewCountyAsync();
        var submission = Submission(("legalaid.cases", 4));
        var first = await Unit(county, "a").Submit(submission);
        var again = await Unit(county, "a").Submit(submission with { Values = [.. submission.Values] });

        Assert.Equal(first.Version, again.Version);
        Assert.Equal(first.Accepted, again.Accepted);
        Assert.True(again.Replayed);
        Assert.Equal(4, (await County(county).GetAggregate()).Values["legalaid.cases"]);
    }

    [Fact]
    public async Task The_same_id_with_a_different_payload_is_a_conflict()
    {
        var county = await NewCountyAsync();
        var submission = Submission(("legalaid.cases", 4));
        await Unit(county, "a").Submit(submission);
        await Assert.ThrowsAsync<ConflictException>(() => Unit(county, "a").Submit(submission with { Values = [new ValueEntry("legalaid.cases", 5)] }));
        Assert.Equal(4, (await County(county).GetAggregate()).Values["legalaid.cases"]);
    }

    [Fact]
    public async Task Invalid_values_are_rejected_whole_and_nothing_is_stored()
    {
        var county = await NewCountyAsync();
        await Unit(county, "a").Submit(Submission(("legalaid.cases", 4)));
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => Unit(county, "a").Submit(Submission(
            ("legalaid.cases", 9), ("mediation.disputes_received", -1), ("unknown.code", 1))));

        Assert.Equal(["values[1].value", "values[2].code"], ex.Violations.Select(v => v.Field));
        var snapshot = await Unit(county, "a").GetSnapshot();
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(4, snapshot.Values.Single().Value);
    }

    [Fact]
    public async Task A_dry_run_reports_outcomes_and_rejections_without_storing()
    {
        var county = await NewCountyAsync();
        var receipt = await Unit(county, "a").Submit(Submission(("legalaid.cases", 4), ("mediation.disputes_received", -1)) with { DryRun = true });
        Assert.True(receipt.DryRun);
        Assert.Equal(1, receipt.Accepted);
        Assert.Equal(1, receipt.Rejected);
        Assert.Equal(0, (await Unit(county, "a").GetSnapshot()).Version);
    }

    [Fact]
    public async Task A_change_the_county_could_not_take_stays_pending_and_is_applied_once_it_can()
    {
        var county = await NewCountyAsync();
        try
        {
            Faults.CountyDown = true;
            var receipt = await Unit(county, "a").Submit(Submission(("legalaid.cases", 4)));
            Assert.Equal(1, receipt.Version); // acknowledged: the unit's version is durable
            await Unit(county, "a").Submit(Submission(("legalaid.cases", 6)));
            Assert.True((await Unit(county, "a").GetSnapshot()).CountyPending);
            Assert.False((await County(county).GetAggregate()).Values.ContainsKey("legalaid.cases"));
        }
        finally
        {
            Faults.CountyDown = false;
        }

        // The unit's retry timer re-applies the pending change without any further call.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await Unit(county, "a").GetSnapshot()).CountyPending && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var aggregate = await County(county).GetAggregate();
        Assert.Equal(6, aggregate.Values["legalaid.cases"]);
        Assert.Equal(2, aggregate.UnitVersions["a"]);
    }

    [Fact]
    public async Task A_failed_write_is_unavailable_and_its_change_is_never_persisted_later()
    {
        var county = await NewCountyAsync();
        await Unit(county, "a").Submit(Submission(("legalaid.cases", 4)));
        try
        {
            Faults.StorageDown = true;
            await Assert.ThrowsAsync<UnavailableException>(() => Unit(county, "a").Submit(Submission(("legalaid.cases", 100))));
        }
        finally
        {
            Faults.StorageDown = false;
        }

        await Unit(county, "a").Submit(Submission(("mediation.disputes_received", 1)));
        var snapshot = await Unit(county, "a").GetSnapshot();
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(4, snapshot.Values.Single(v => v.Code == "legalaid.cases").Value);
        Assert.Equal(4, (await County(county).GetAggregate()).Values["legalaid.cases"]);
    }

    [Fact]
    public async Task A_round_ranks_its_counties_with_the_pinned_scheme()
    {
        var tenant = $"t{Interlocked.Increment(ref _next)}";
        const string a = "ca", b = "cb";
        var round = fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2024));
        await Assert.ThrowsAsync<PreconditionException>(() => round.GetRanking());

        round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2024, [a, b]);
        await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, a, GrainKeys.AssessorEntry, 2024)).Submit(TestRounds.Assessor("satisfaction.survey_score", 90));
        await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, b, GrainKeys.AssessorEntry, 2024)).Submit(TestRounds.Assessor("satisfaction.survey_score", 50));
        var ranking = await round.GetRanking();
        Assert.Equal([a, b], ranking.Rows.Select(r => r.County));
        Assert.Equal(9, ranking.Rows[0].Total);

        // A unit's new figures show up in the next ranking without any write to the round.
        await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, b, "x", 2024)).Submit(Submission(("pufa.activities", 30)));
        ranking = await round.GetRanking();
        Assert.Equal(8, ranking.Rows.Single(r => r.County == b).Total); // 5 + 3 (the only county with activities)
        var card = await round.GetCountyScore(b);
        Assert.Contains(card.Card.Dimensions.SelectMany(d => d.Lines), l => l.Explanation.StartsWith("群众满意度测评/第三方评估得分 50", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forty_units_submitting_in_parallel_aggregate_exactly_and_keep_gapless_versions()
    {
        var county = await NewCountyAsync();
        var units = Enumerable.Range(0, 40).Select(i => $"u{i}").ToArray();
        await Task.WhenAll(units.Select(async (unit, i) =>
        {
            for (var n = 1; n <= 10; n++)
            {
                await Unit(county, unit).Submit(Submission(("legalaid.cases", (i * 100) + n), ("mediation.amount_10k_yuan", n * 0.1)));
            }
        }));

        var aggregate = await County(county).GetAggregate();
        Assert.Equal(units.Select((_, i) => (i * 100) + 10.0).Sum(), aggregate.Values["legalaid.cases"]);
        Assert.Equal(40, aggregate.Values["mediation.amount_10k_yuan"], 9);
        Assert.All(units, u => Assert.Equal(10, aggregate.UnitVersions[u]));
    }

    [Fact]
    public async Task When_the_county_cannot_write_the_units_still_acknowledge_and_the_county_catches_up_exactly()
    {
        var county = await NewCountyAsync();
        await Unit(county, "a").Submit(Submission(("legalaid.cases", 1)));
        try
        {
            Faults.CountyStorageDown = true;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Unit(county, $"b{i}").Submit(Submission(("legalaid.cases", 10)))));
            Assert.True((await Unit(county, "b0").GetSnapshot()).CountyPending);
            Assert.Equal(1, (await County(county).GetAggregate()).Values["legalaid.cases"]); // nothing half-applied is visible
        }
        finally
        {
            Faults.CountyStorageDown = false;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        double total = 0;
        while (DateTime.UtcNow < deadline && (total = (await County(county).GetAggregate()).Values["legalaid.cases"]) != 81)
        {
            await Task.Delay(200);
        }

        Assert.Equal(81, total);
    }

    [Fact]
    public async Task A_note_is_kept_even_when_the_value_it_explains_did_not_change()
    {
        var county = await NewCountyAsync();
        await Unit(county, "a").Submit(Submission(("legalaid.cases", 4)));
        var receipt = await Unit(county, "a").Submit(new UnitSubmission(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 4, "含两件跨年案件")]));

        Assert.Equal(1, receipt.Unchanged);
        Assert.Equal(1, receipt.Version);
        Assert.Equal("含两件跨年案件", (await Unit(county, "a").GetSnapshot()).Values.Single().Note);
    }
}

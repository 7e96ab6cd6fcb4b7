using Assessment.Domain;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RoundGrainTests(ClusterFixture fixture)
{
    private static int _next;
    private static readonly string DefaultScheme = TestRounds.DefaultScheme;

    private async Task<(string Tenant, IRoundGrain Round, string[] Counties)> OpenAsync(int year, params double[] surveyScores)
    {
        var tenant = $"r{Interlocked.Increment(ref _next)}";
        var counties = surveyScores.Select((_, i) => $"c{i}").ToArray();
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, year, counties);
        for (var i = 0; i < counties.Length; i++)
        {
            await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, counties[i], GrainKeys.AssessorEntry, year))
                .Submit(TestRounds.Assessor("satisfaction.survey_score", surveyScores[i]));
        }

        return (tenant, round, counties);
    }

    [Fact]
    public async Task A_ranking_asked_after_an_acknowledgement_includes_it_while_rankings_run_concurrently()
    {
        var (tenant, round, counties) = await OpenAsync(2024, 50, 50, 50, 50);
        await round.GetRanking();
        using var stop = new CancellationTokenSource();
        var background = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await round.GetRanking();
            }
        });

        // Each county's own notice, not a sweep of all counties, has to bring every acknowledged score into the ranking.
        for (var i = 0; i < 40; i++)
        {
            var county = counties[i % counties.Length];
            var score = 41 + i;
            await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, county, GrainKeys.AssessorEntry, 2024))
                .Submit(TestRounds.Assessor("satisfaction.survey_score", score));
            var card = (await round.GetCountyScore(county)).Card;
            var line = card.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "satisfaction.survey_score");
            Assert.Equal(score, line.Value);
        }

        await stop.CancelAsync();
        await background;
    }

    [Fact]
    public async Task The_overview_and_progress_answer_while_a_ranking_holds_the_rounds_turn()
    {
        var (tenant, round, counties) = await OpenAsync(2026, 80, 60, 70);
        var gate = GatedFactsStore.Hold(tenant);
        try
        {
            // A new round grain's first ranking sweeps every county's facts: held here, on the round's turn.
            var ranking = round.GetRanking();
            await GatedFactsStore.Entered.GetOrAdd(tenant, _ => new TaskCompletionSource()).Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(ranking.IsCompleted);

            var board = await round.GetBoard().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(counties, board.Counties.Select(c => c.County));
            Assert.Equal(3, (await round.GetProgress().WaitAsync(TimeSpan.FromSeconds(10))).ByStatus[CountyStatus.Collecting]);
            Assert.False(ranking.IsCompleted);

            gate.SetResult();
            Assert.Equal(3, (await ranking).Rows.Length);
        }
        finally
        {
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task A_draft_scheme_is_simulated_without_touching_the_pinned_one()
    {
        var (_, round, _) = await OpenAsync(2024, 90, 50);
        // A draft that scores satisfaction alone: the ranking keeps its order, the totals and grades move.
        var draft = """
            code: draft
            version: 1
            name: 试算细则
            dimensions:
              - code: satisfaction
                name: 群众满意度
                weight: 100
                lines:
                  - { indicator: satisfaction.survey_score, points: 100, rule: linear, lo: 40, hi: 100 }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 合格, min: 60 }
                - { label: 不合格, min: 0 }
            """;

        var result = await round.Simulate(draft);

        Assert.Equal("draft@1", result.Draft.SchemeId);
        Assert.Equal(83.33, result.Draft.Rows[0].Total);
        Assert.Equal(1, result.GradeCounts["不合格"]);
        var moved = Assert.Single(result.Moved);
        Assert.Equal(("c0", "不合格", "合格", 9.0, 83.33), (moved.County, moved.CurrentGrade, moved.DraftGrade, moved.CurrentTotal, moved.DraftTotal));
        Assert.Equal("default@1", (await round.GetRanking()).SchemeId);
    }

    [Fact]
    public async Task Re_pinning_is_audited_and_a_published_rounds_scheme_never_changes()
    {
        var (tenant, round, _) = await OpenAsync(2024, 90, 50);
        var other = DefaultScheme.Replace("version: 1", "version: 2", StringComparison.Ordinal);
        await Assert.ThrowsAsync<ValidationFailedException>(() => round.RepinScheme(other, "", "assessor"));

        var info = await round.RepinScheme(other, "省里调整了满意度口径", "考核办张三");
        Assert.Equal("default@2", info.SchemeId);
        var entry = info.Audit!.Last();
        Assert.Equal(("考核办张三", "repin_scheme", "省里调整了满意度口径"), (entry.Actor, entry.Action, entry.Reason));
        Assert.Contains("default@1 → default@2", entry.Detail, StringComparison.Ordinal);

        await TestRounds.PublishAsync(fixture.Grains, tenant, 2024);
        var ex = await Assert.ThrowsAsync<PreconditionException>(() => round.RepinScheme(DefaultScheme, "再改一次", "考核办张三"));
        Assert.Equal("ROUND_PUBLISHED", ex.Reason);
        Assert.Equal("default@2", (await round.GetInfo())!.SchemeId);
    }

    [Fact]
    public async Task The_ranking_shows_last_years_rank_and_score()
    {
        var tenant = $"p{Interlocked.Increment(ref _next)}";
        foreach (var (year, scores) in new[] { (2023, new[] { 50.0, 90 }), (2024, new[] { 90.0, 50 }) })
        {
            await TestRounds.OpenAsync(fixture.Grains, tenant, year, ["c0", "c1"]);
            for (var i = 0; i < 2; i++)
            {
                await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, $"c{i}", GrainKeys.AssessorEntry, year))
                    .Submit(TestRounds.Assessor("satisfaction.survey_score", scores[i]));
            }
        }

        var ranking = await fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2024)).GetRanking();
        var c0 = ranking.Rows.Single(r => r.County == "c0");
        Assert.Equal((1, 2, 5.0), (c0.Rank, c0.PreviousRank!.Value, c0.PreviousTotal!.Value));
    }

    [Fact]
    public async Task A_county_tied_at_the_quota_line_keeps_the_grade_only_by_a_recorded_override()
    {
        // Four counties with everything but satisfaction missing cannot reach 优秀; use a one-line scheme instead.
        var tenant = $"q{Interlocked.Increment(ref _next)}";
        double[] scores = [100, 95, 95, 60, 60, 60, 60];
        var counties = scores.Select((_, i) => $"c{i}").ToArray();
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2024, counties, """
            code: one
            version: 1
            name: 单项细则
            dimensions:
              - code: satisfaction
                name: 群众满意度
                weight: 100
                lines:
                  - { indicator: satisfaction.survey_score, points: 100, rule: linear, lo: 0, hi: 100 }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 良好, min: 80 }
                - { label: 合格, min: 0 }
              quota: { label: 优秀, share: 0.30 }
            """);
        for (var i = 0; i < counties.Length; i++)
        {
            await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, counties[i], GrainKeys.AssessorEntry, 2024))
                .Submit(TestRounds.Assessor("satisfaction.survey_score", scores[i]));
        }

        var ranking = await round.GetRanking();
        Assert.Equal(["优秀", "良好", "良好"], ranking.Rows.Take(3).Select(r => r.Grade));
        await Assert.ThrowsAsync<PreconditionException>(() => round.OverrideQuota("c0", "无需", "考核办"));

        ranking = await round.OverrideQuota("c2", "c2 经复核材料更完整", "考核办");
        Assert.Equal(["优秀", "良好", "优秀"], ranking.Rows.Take(3).Select(r => r.Grade));
        Assert.True(ranking.Rows[2].QuotaOverride);
        var second = await Assert.ThrowsAsync<PreconditionException>(() => round.OverrideQuota("c1", "也想保留", "考核办"));
        Assert.Equal("QUOTA_EXCEEDED", second.Reason);
        Assert.Equal("override_quota", (await round.GetInfo())!.Audit!.Last().Action);
    }
}

using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

/// <summary>The round and county state machines through the grains: every transition, every lock and its reason.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkflowGrainTests(ClusterFixture fixture)
{
    private static int _next;
    private const string Assessor = TestRounds.Actor;

    private static string NewTenant() => $"w{Interlocked.Increment(ref _next)}";

    private IUnitGrain Unit(string tenant, string county, string unit) => fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, county, unit, 2025));

    private ICountyGrain County(string tenant, string county) => fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county, 2025));

    private static UnitSubmission Cases(double value) => new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", value)], Actor: "单位");

    private static async Task Refused(string reason, Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<PreconditionException>(action);
        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public async Task The_round_goes_draft_open_closed_published_and_refuses_every_other_move()
    {
        var tenant = NewTenant();
        var round = fixture.Grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, 2025));
        var county = County(tenant, "c1");

        // Nothing before a definition; a definition needs a valid scheme, a roster and a future deadline.
        await Refused("ROUND_NOT_DEFINED", () => round.Open(Assessor));
        await Refused(LockReasons.RoundNotOpen, () => round.Close(Assessor));
        await Refused(LockReasons.RoundNotOpen, () => round.Publish(Assessor));
        await Assert.ThrowsAsync<ValidationFailedException>(() => round.Define(new RoundDefinition(TestRounds.DefaultScheme, [], DateTimeOffset.UtcNow.AddDays(1)), Assessor));
        await Assert.ThrowsAsync<ValidationFailedException>(() => round.Define(new RoundDefinition("code: broken", [new CountyInfo("c1", "甲县", [])], DateTimeOffset.UtcNow.AddDays(1)), Assessor));
        var past = await Assert.ThrowsAsync<ValidationFailedException>(() => round.Define(new RoundDefinition(TestRounds.DefaultScheme, [new CountyInfo("c1", "甲县", [])], DateTimeOffset.UtcNow.AddDays(-1)), Assessor));
        Assert.Equal("submission_deadline", past.Violations.Single().Field);

        // Draft: definable again, nothing can be submitted.
        var roster = new[] { new CountyInfo("c1", "甲县", [new UnitInfo("a", "甲单位")]) };
        var draft = await round.Define(new RoundDefinition(TestRounds.DefaultScheme, roster, DateTimeOffset.UtcNow.AddDays(10)), Assessor);
        Assert.Equal(RoundPhase.Draft, draft.Phase);
        draft = await round.Define(new RoundDefinition(TestRounds.DefaultScheme, roster, DateTimeOffset.UtcNow.AddDays(20)), Assessor);
        Assert.Equal(2, draft.Version);
        await Refused(LockReasons.RoundNotOpen, () => Unit(tenant, "c1", "a").Submit(Cases(1)));
        await Refused(LockReasons.RoundNotOpen, () => round.Close(Assessor));
        await Refused(LockReasons.RoundNotOpen, () => round.Publish(Assessor));
        Assert.True((await round.GetProgress()).MayOpen);

        // Open: a stale expected version is ABORTED; the right one opens.
        await Assert.ThrowsAsync<AbortedException>(() => round.Open(Assessor, expectedVersion: 1));
        var open = await round.Open(Assessor, expectedVersion: 2);
        Assert.Equal(RoundPhase.Open, open.Phase);
        Assert.Equal((RoundPhase.Open, CountyStatus.Collecting), ((await county.GetWorkflow()).Phase, (await county.GetWorkflow()).Status));
        await Refused(LockReasons.RoundAlreadyOpen, () => round.Open(Assessor));
        await Refused(LockReasons.RoundAlreadyOpen, () => round.Define(new RoundDefinition(TestRounds.DefaultScheme, roster, DateTimeOffset.UtcNow.AddDays(5)), Assessor));
        await Refused(LockReasons.RoundNotClosed, () => round.Publish(Assessor));
        await Unit(tenant, "c1", "a").Submit(Cases(1));

        // Closed: units refused, review goes on; publication waits for every county to pass review.
        await round.Close(Assessor);
        await Refused(LockReasons.RoundClosed, () => round.Close(Assessor));
        await Refused(LockReasons.RoundClosed, () => Unit(tenant, "c1", "a").Submit(Cases(2)));
        await Refused(LockReasons.CountiesNotReviewed, () => round.Publish(Assessor));
        Assert.False((await round.GetProgress()).MayPublish);
        await county.SubmitForReview(new WorkflowCommand("甲县"));
        await county.Approve(new WorkflowCommand(Assessor));
        Assert.True((await round.GetProgress()).MayPublish);
        var published = await round.Publish(Assessor);
        Assert.Equal(RoundPhase.Published, published.Phase);
        var head = (await county.GetWorkflow()).AuditHead;
        Assert.Equal(head, published.PublishedHeads["c1"]);

        // Published: every write is refused with the same reason, and nothing changed.
        var revision = (await county.GetAggregate()).Revision;
        Func<Task>[] writes =
        [
            () => round.Define(new RoundDefinition(TestRounds.DefaultScheme, roster, DateTimeOffset.UtcNow.AddDays(5)), Assessor),
            () => round.Open(Assessor),
            () => round.Close(Assessor),
            () => round.Publish(Assessor),
            () => round.RepinScheme(TestRounds.DefaultScheme, "再改", Assessor),
            () => round.OverrideQuota("c1", "保留", Assessor),
            () => Unit(tenant, "c1", "a").Submit(Cases(3)),
            () => Unit(tenant, "c1", GrainKeys.CountySelf).Submit(new UnitSubmission(Guid.NewGuid(), [new ValueEntry("org.leading_group", 1)])),
            () => Unit(tenant, "c1", GrainKeys.AssessorEntry).Submit(TestRounds.Assessor("satisfaction.survey_score", 80)),
            () => county.SubmitForReview(new WorkflowCommand("甲县")),
            () => county.Return(new WorkflowCommand(Assessor, "退回")),
            () => county.Approve(new WorkflowCommand(Assessor)),
            () => county.Extend(DateTimeOffset.UtcNow.AddDays(3), new WorkflowCommand(Assessor, "延期")),
            () => county.Adjust(new AdjustmentCommand(null, "org", -1, null, false, new WorkflowCommand(Assessor, "扣分"))),
        ];
        foreach (var write in writes)
        {
            await Refused(LockReasons.RoundPublished, write);
        }

        Assert.Equal(revision, (await county.GetAggregate()).Revision);
        Assert.Equal(head, (await county.GetWorkflow()).AuditHead);
        Assert.Equal(published.Version, (await round.GetInfo())!.Version);
    }

    [Fact]
    public async Task A_county_goes_collecting_submitted_returned_reviewed_and_units_are_locked_with_the_reason()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        var county = County(tenant, "c1");
        var cmd = new WorkflowCommand(Assessor, "材料不全");

        Assert.True((await county.GetWorkflow()).May.MaySubmit);
        await Refused(LockReasons.CountyNotInReview, () => county.Return(cmd));
        await Refused(LockReasons.CountyNotInReview, () => county.Approve(cmd));
        await Refused(LockReasons.CountyNotInReview, () => county.Adjust(new AdjustmentCommand(null, "org", -1, null, false, cmd)));
        await Refused(LockReasons.UnitNotInRoster, () => Unit(tenant, "c1", "stranger").Submit(Cases(1)));
        await Unit(tenant, "c1", "a").Submit(Cases(1));

        var submitted = await county.SubmitForReview(new WorkflowCommand("甲县"));
        Assert.Equal(CountyStatus.Submitted, submitted.Status);
        Assert.Equal((false, true, true, true), (submitted.May.MaySubmit, submitted.May.MayReturn, submitted.May.MayApprove, submitted.May.MayAdjust));
        await Refused(LockReasons.CountySubmitted, () => Unit(tenant, "c1", "a").Submit(Cases(2)));
        await Refused(LockReasons.CountySubmitted, () => county.SubmitForReview(new WorkflowCommand("甲县")));
        await Refused(LockReasons.CountySubmitted, () => county.Extend(DateTimeOffset.UtcNow.AddDays(1), cmd));
        // Assessor entries go on during review (满意度 arrives late), through the same audited path.
        await Unit(tenant, "c1", GrainKeys.AssessorEntry).Submit(TestRounds.Assessor("satisfaction.survey_score", 88));
        await Assert.ThrowsAsync<ValidationFailedException>(() => county.Return(new WorkflowCommand(Assessor, " ")));

        var returned = await county.Return(cmd);
        Assert.Equal((CountyStatus.Returned, "材料不全"), (returned.Status, returned.ReturnReason));
        Assert.Equal(2, (await Unit(tenant, "c1", "a").Submit(Cases(2))).Version);
        await county.SubmitForReview(new WorkflowCommand("甲县"));
        var reviewed = await county.Approve(new WorkflowCommand(Assessor));
        Assert.Equal(CountyStatus.Reviewed, reviewed.Status);
        await Refused(LockReasons.CountyReviewed, () => Unit(tenant, "c1", "a").Submit(Cases(3)));
        await Refused(LockReasons.CountyReviewed, () => county.Return(cmd));
        await Refused(LockReasons.CountyReviewed, () => county.Adjust(new AdjustmentCommand(null, "org", -1, null, false, cmd)));
        await Refused(LockReasons.CountyReviewed, () => Unit(tenant, "c1", GrainKeys.AssessorEntry).Submit(TestRounds.Assessor("satisfaction.survey_score", 90)));
        Assert.Equal(2, (await county.GetAggregate()).UnitVersions["a"]);

        // The chain holds every step, intact.
        var page = await county.ReadAudit(0, 1000);
        Assert.True(AuditChain.Verify(page.Entries.Select(e => e.ToDomain()).ToArray(), new AuditHead(page.Head.Count, page.Head.Hash)).Intact);
        Assert.Equal(
            ["round_open", "submission", "submit_for_review", "assessor_entry", "return", "submission", "submit_for_review", "approve"],
            page.Entries.Select(e => AuditChain.Parse(e.Body).Action));
        var returnEntry = AuditChain.Parse(page.Entries[4].Body);
        Assert.Equal((Assessor, "Submitted", "Returned", "材料不全"), (returnEntry.Actor, returnEntry.Before, returnEntry.After, returnEntry.Reason));
        Assert.Equal(("legalaid.cases=1", "legalaid.cases=2"), (AuditChain.Parse(page.Entries[5].Body).Before, AuditChain.Parse(page.Entries[5].Body).After));
    }

    [Fact]
    public async Task A_submission_that_changes_nothing_is_acknowledged_in_review_and_an_import_keeps_the_units_notes()
    {
        // Every way of sending what is already stored (the same value, the same value and note, a table import
        // without notes, clearing a value never reported) while the county is 上报 and once it is 审核通过: each is
        // acknowledged as unchanged and stores nothing new; every real change (a value, a note, a cleared value) is
        // refused with the lock's reason.
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        var unit = Unit(tenant, "c1", "a");
        await unit.Submit(new UnitSubmission(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7, "含转办件")], Actor: "单位"));
        var county = County(tenant, "c1");
        UnitSubmission[] noChange =
        [
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7, "含转办件")], Actor: "单位"),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7)], Actor: "考核办（批量导入）", KeepUnchangedNotes: true),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7), new ValueEntry("legalaid.consultations", null)], Actor: "考核办（批量导入）", KeepUnchangedNotes: true),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.consultations", null)], Actor: "单位"),
        ];
        UnitSubmission[] changes =
        [
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 8, "含转办件")], Actor: "单位"),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7)], Actor: "单位"),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 7, "另一说明")], Actor: "考核办（批量导入）", KeepUnchangedNotes: true),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", null)], Actor: "考核办（批量导入）", KeepUnchangedNotes: true),
            new(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 8)], Actor: "考核办（批量导入）", KeepUnchangedNotes: true),
        ];

        await county.SubmitForReview(new WorkflowCommand("甲县"));
        foreach (var (step, reason) in new[] { ("上报", LockReasons.CountySubmitted), ("审核通过", LockReasons.CountyReviewed) })
        {
            if (step == "审核通过")
            {
                await county.Approve(new WorkflowCommand(Assessor));
            }

            foreach (var submission in noChange)
            {
                var dry = await unit.Submit(submission with { SubmissionId = Guid.NewGuid(), DryRun = true });
                var receipt = await unit.Submit(submission);
                Assert.Equal((1, 0, 0, 0), (receipt.Version, receipt.Accepted + receipt.Updated + receipt.Cleared, receipt.Rejected, dry.Rejected));
            }

            foreach (var submission in changes)
            {
                await Refused(reason, () => unit.Submit(submission with { SubmissionId = Guid.NewGuid() }));
                await Refused(reason, () => unit.Submit(submission with { SubmissionId = Guid.NewGuid(), DryRun = true }));
            }

            var stored = await unit.GetSnapshot();
            Assert.Equal(1, stored.Version);
            Assert.Equal(new ValueEntry("legalaid.cases", 7, "含转办件"), Assert.Single(stored.Values));
        }
    }

    [Fact]
    public async Task Deadline_passed_locks_units_until_an_audited_extension()
    {
        var tenant = NewTenant();
        await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1", "c2"], deadline: DateTimeOffset.UtcNow.AddSeconds(1.5));
        await Unit(tenant, "c1", "a").Submit(Cases(1));
        await Task.Delay(2000);

        await Refused(LockReasons.DeadlinePassed, () => Unit(tenant, "c1", "a").Submit(Cases(2)));
        await Refused(LockReasons.DeadlinePassed, () => Unit(tenant, "c2", "a").Submit(Cases(2)));
        var county = County(tenant, "c1");
        await Assert.ThrowsAsync<ValidationFailedException>(() => county.Extend(DateTimeOffset.UtcNow.AddDays(2), new WorkflowCommand(Assessor)));
        await Assert.ThrowsAsync<AbortedException>(() => county.Extend(DateTimeOffset.UtcNow.AddDays(2), new WorkflowCommand(Assessor, "乡镇合并", ExpectedVersion: 7)));
        var extended = await county.Extend(DateTimeOffset.UtcNow.AddDays(2), new WorkflowCommand(Assessor, "乡镇合并", ExpectedVersion: 0));
        Assert.True(extended.May.MaySubmit);

        // Only the extended county reopens; its late submission counts as late.
        Assert.Equal(2, (await Unit(tenant, "c1", "a").Submit(Cases(2))).Version);
        await Refused(LockReasons.DeadlinePassed, () => Unit(tenant, "c2", "a").Submit(Cases(2)));
        var progress = (await county.GetWorkflow()).Progress;
        Assert.Equal((1, 0, 1), (progress.UnitsSubmitted, progress.OnTime, progress.Late));
        var entries = (await county.ReadAudit(0, 100)).Entries.Select(e => AuditChain.Parse(e.Body)).ToArray();
        Assert.Contains(entries, e => e.Action == "extend" && e.Reason == "乡镇合并" && e.Actor == Assessor);
    }

    [Fact]
    public async Task Adjustments_feed_the_score_explanation_and_are_revisable_only_in_review()
    {
        var tenant = NewTenant();
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"]);
        var county = County(tenant, "c1");
        await Unit(tenant, "c1", GrainKeys.AssessorEntry).Submit(TestRounds.Assessor("satisfaction.survey_score", 90));
        var before = (await round.GetCountyScore("c1")).Card.Total;
        await county.SubmitForReview(new WorkflowCommand("甲县"));

        var cmd = new WorkflowCommand(Assessor, "满意度测评样本不足", ExpectedVersion: 2);
        var bad = await Assert.ThrowsAsync<ValidationFailedException>(() => county.Adjust(new AdjustmentCommand(null, "no.such", double.NaN, null, false, cmd)));
        Assert.Equal(["target", "points"], bad.Violations.Select(v => v.Field));
        var added = await county.Adjust(new AdjustmentCommand(null, "satisfaction.survey_score", -2, "核查记录 2025-07", false, cmd));
        var adjustment = Assert.Single(added.Adjustments);
        var card = (await round.GetCountyScore("c1")).Card;
        Assert.Equal(before - 2, card.Total);
        Assert.Equal(-2, card.Adjusted);
        Assert.Contains(card.Dimensions.SelectMany(d => d.Lines), l => l.Rule == "adjustment" && l.Explanation == "核查扣分 2 分：满意度测评样本不足（依据：核查记录 2025-07）");

        var revised = await county.Adjust(new AdjustmentCommand(adjustment.Id, "satisfaction", -1, null, false, new WorkflowCommand(Assessor, "复核后减半")));
        Assert.Equal(-1, Assert.Single(revised.Adjustments).Points);
        Assert.Equal(before - 1, (await round.GetCountyScore("c1")).Card.Total);
        await county.Return(new WorkflowCommand(Assessor, "补充材料"));
        await Refused(LockReasons.CountyNotInReview, () => county.Adjust(new AdjustmentCommand(adjustment.Id, "satisfaction", 0, null, true, new WorkflowCommand(Assessor, "撤销"))));
        await county.SubmitForReview(new WorkflowCommand("甲县"));
        var withdrawn = await county.Adjust(new AdjustmentCommand(adjustment.Id, "satisfaction", 0, null, true, new WorkflowCommand(Assessor, "撤销")));
        Assert.Empty(withdrawn.Adjustments);
        Assert.Equal(before, (await round.GetCountyScore("c1")).Card.Total);
        var actions = (await county.ReadAudit(0, 100)).Entries.Select(e => AuditChain.Parse(e.Body).Action).ToArray();
        Assert.Equal(["adjust", "adjust_revise", "adjust_withdraw"], actions.Where(a => a.StartsWith("adjust", StringComparison.Ordinal)));
    }
}

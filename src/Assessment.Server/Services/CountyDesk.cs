using Assessment.Domain.Catalog;
using Assessment.Domain.Validation;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;

namespace Assessment.Server.Services;

/// <summary>Everything shown of one county in one year, as the caller may see it.</summary>
public sealed record CountyDetail(
    RoundInfo Round,
    CountyInfo County,
    CountyScore Score,
    CountyAggregateView Aggregate,
    CountyWorkflowView Workflow,
    CountyPermissions May,
    IReadOnlyList<ConsistencyWarning> Warnings,
    IndicatorCatalog Catalog);

/// <summary>
/// The county side of the application: who may read or act on which county, and the review actions (上报, 退回, 审核通过,
/// 延期, 核查调整). The gRPC service and the web workbench both call it, so each rule has one code path; grains hold the
/// workflow rules themselves.
/// </summary>
public sealed class CountyDesk(IClusterClient cluster, Grains.RoundCatalogs catalogs, Grains.Notifications.INotificationSink webhooks, TimeProvider clock)
{
    /// <summary>A county's 催报 is posted at most this often (per silo), so a button pressed twice notifies once.</summary>
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromMinutes(10);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _reminded = new(StringComparer.Ordinal);

    /// <summary>
    /// The county a caller acts on: a county credential only ever on itself (naming another is denied whether or not it
    /// exists); everyone else names it. Checked before anything else about the request.
    /// </summary>
    public static string Target(Caller caller, string? requested)
    {
        if (caller.Role is Role.County or Role.Unit)
        {
            return string.IsNullOrEmpty(requested) || requested == caller.County
                ? caller.County!
                : throw new PermissionDeniedException();
        }

        RequestChecks.Require(RequestChecks.County(requested ?? ""));
        return requested!;
    }

    /// <summary>What the caller's role may do of what the county's state allows.</summary>
    public static CountyPermissions For(Caller caller, CountyPermissions allowed)
    {
        var assessor = caller.Role == Role.Assessor;
        return new CountyPermissions(
            allowed.MaySubmit && caller.Role is Role.Unit or Role.County,
            allowed.MaySubmitForReview && caller.Role == Role.County,
            allowed.MayReturn && assessor,
            allowed.MayApprove && assessor,
            allowed.MayAdjust && assessor,
            allowed.MayExtend && assessor,
            allowed.MayEnterAssessorValues && caller.Role is Role.Assessor or Role.Member);
    }

    /// <summary>The round of the year, which must list the county (otherwise NOT_FOUND, the same for every tenant).</summary>
    public async Task<(RoundInfo Round, CountyInfo County)> RosterAsync(Caller caller, int year, string county)
    {
        var info = await cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, year)).GetInfo()
            ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{year} 年度考核尚未开启。");
        return Array.Find(info.Counties, c => c.Id == county) is { } found
            ? (info, found)
            : throw new NotFoundException($"{year} 年度考核名单中没有该县（区）。");
    }

    public async Task<CountyDetail> GetAsync(Caller caller, int year, string? requested)
    {
        if (caller.Role is not (Role.Assessor or Role.Leader or Role.TenantAdmin or Role.County))
        {
            throw new PermissionDeniedException(); // a unit sees its own figures and its county's status, not the scores
        }

        var countyId = Target(caller, requested); // authorize before validating
        RequestChecks.Require(RequestChecks.Year(year));
        var (info, county) = await RosterAsync(caller, year, countyId);
        await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, year));
        var grain = cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year));
        var (score, aggregate, workflow) = (round.GetCountyScore(countyId), grain.GetAggregate(), grain.GetWorkflow());
        var catalog = (await catalogs.ForYearAsync(caller.Tenant, year)).Catalog;
        await Task.WhenAll(score, aggregate, workflow);
        return new CountyDetail(info, county, await score, await aggregate, await workflow, For(caller, (await workflow).May),
            ConsistencyWarnings.Check(catalog, (await aggregate).Values), catalog);
    }

    /// <summary>The workflow of the caller's own county (status, return reason, deadline): what a unit's form shows.</summary>
    public async Task<CountyWorkflowView> OwnWorkflowAsync(Caller caller, int year)
    {
        var countyId = Target(caller, null);
        RequestChecks.Require(RequestChecks.Year(year));
        await RosterAsync(caller, year, countyId);
        return await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)).GetWorkflow();
    }

    /// <summary>
    /// A page of a county's audit chain. A leader reads it only once the results are published (the same rule as the
    /// county's scores), whichever entry point asks.
    /// </summary>
    public async Task<AuditPage> ReadAuditAsync(Caller caller, int year, string countyId, int from, int count)
    {
        if (caller.Role == Role.Leader)
        {
            var (info, _) = await RosterAsync(caller, year, countyId);
            await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        }

        return await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)).ReadAudit(from, count);
    }

    public Task<(CountyWorkflowView View, CountyInfo County)> SubmitForReviewAsync(Caller caller, int year, string? county, string? reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.County, year, county, requestId, (grain, command) => grain.SubmitForReview(command(reason, expected)));

    public Task<(CountyWorkflowView View, CountyInfo County)> ReturnAsync(Caller caller, int year, string? county, string reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.Assessor, year, county, requestId, (grain, command) => grain.Return(command(reason, expected)));

    public Task<(CountyWorkflowView View, CountyInfo County)> ApproveAsync(Caller caller, int year, string? county, string? reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.Assessor, year, county, requestId, (grain, command) => grain.Approve(command(reason, expected)));

    public Task<(CountyWorkflowView View, CountyInfo County)> ExtendAsync(Caller caller, int year, string? county, DateTimeOffset until, string reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.Assessor, year, county, requestId, (grain, command) => grain.Extend(until, command(reason, expected)));

    public Task<(CountyWorkflowView View, CountyInfo County)> AdjustAsync(Caller caller, int year, string? county, string? adjustmentId, string target, double points,
        string? evidence, bool withdraw, string? reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.Assessor, year, county, requestId, (grain, command) =>
            grain.Adjust(new AdjustmentCommand(adjustmentId, target, points, evidence, withdraw, command(reason, expected))));

    /// <summary>Values the assessor enters for a county (满意度, events); one submission id per entry, kept on retries.</summary>
    public async Task<(CountyWorkflowView View, CountyInfo County)> EnterAssessorValuesAsync(Caller caller, int year, string? county, Guid submissionId,
        ValueEntry[] values, string? reason, int? expected, Guid? requestId)
    {
        await RequirePanelScoredAsync(caller, year, values.Select(v => v.Code));

        return await RunAsync(caller, caller.Role == Role.Member ? Role.Member : Role.Assessor, year, county, requestId, async (grain, command) =>
        {
            var entry = command(reason, expected);
            var (tenant, countyId, _) = GrainKeys.ParseCounty(grain.GetPrimaryKeyString());
            var unit = cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, countyId, GrainKeys.AssessorEntry, year));
            await unit.Submit(new UnitSubmission(submissionId, values, Actor: entry.Actor, Reason: entry.Reason, ExpectedVersion: entry.ExpectedVersion,
                ActorId: caller.CredentialId));
            return await grain.GetWorkflow();
        });
    }

    /// <summary>The 查阅资料 findings of a county, to whoever may read the county.</summary>
    public async Task<Dictionary<string, MaterialsReview>> MaterialsAsync(Caller caller, int year, string? county)
    {
        if (caller.Role is not (Role.Assessor or Role.TenantAdmin or Role.County))
        {
            throw new PermissionDeniedException();
        }

        var countyId = Target(caller, county);
        RequestChecks.Require(RequestChecks.Year(year));
        await RosterAsync(caller, year, countyId);
        return await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)).GetMaterialsReviews();
    }

    /// <summary>查阅资料: an assessor marks a line after reading its 佐证材料.</summary>
    public Task<(CountyWorkflowView View, CountyInfo County)> ReviewMaterialsAsync(Caller caller, int year, string county, string indicator, MaterialsFinding finding,
        string? reason, int? expected, Guid? requestId) =>
        RunAsync(caller, Role.Assessor, year, county, requestId, (grain, command) =>
            grain.ReviewMaterials(new MaterialsReviewCommand(indicator, finding, command(reason, expected))));

    /// <summary>复核: an assessor or a 考核组 member confirms a 考核组 score of a county as they saw it (another member scored it).</summary>
    public async Task<(CountyWorkflowView View, CountyInfo County)> ReviewScoreAsync(Caller caller, int year, string county, string indicator, double value,
        int? expected, Guid? requestId)
    {
        await RequirePanelScoredAsync(caller, year, [indicator]);
        return await RunAsync(caller, caller.Role == Role.Member ? Role.Member : Role.Assessor, year, county, requestId, (grain, command) =>
            grain.ReviewScore(new ScoreReviewCommand(indicator, value, command(null, expected), caller.CredentialId)));
    }

    /// <summary>
    /// A 考核组 member acts on the 考核组's scores only: every code one of the year's panel-scored indicators, read from
    /// the pinned catalog as the 考核组评分表 reads it (fresh, so a re-pin a moment ago cannot make the two disagree).
    /// </summary>
    private async Task RequirePanelScoredAsync(Caller caller, int year, IEnumerable<string> codes)
    {
        if (caller.Role != Role.Member)
        {
            return;
        }

        RequestChecks.Require(RequestChecks.Year(year));
        var catalog = (await catalogs.ForYearAsync(caller.Tenant, year, fresh: true)).Catalog;
        if (codes.Any(code => !catalog.TryGet(code, out var indicator) || !indicator.PanelScored))
        {
            throw new PermissionDeniedException();
        }
    }

    /// <summary>
    /// 催报: the county (or the assessor for a county) tells the units that have not reported everything, through the
    /// tenant's webhook (钉钉/企业微信 robots read the markdown). Returns who was reminded and whether a webhook took it;
    /// a second 催报 within <see cref="ReminderInterval"/> posts nothing again.
    /// </summary>
    public async Task<(IReadOnlyList<string> Units, bool Posted, bool Repeated)> RemindUnitsAsync(Caller caller, int year, string? requested, CancellationToken ct)
    {
        if (caller.Role is not (Role.County or Role.Assessor))
        {
            throw new PermissionDeniedException();
        }

        var countyId = Target(caller, requested);
        RequestChecks.Require(RequestChecks.Year(year));
        var (_, county) = await RosterAsync(caller, year, countyId);
        var view = await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)).GetWorkflow();
        if (!view.May.MaySubmit)
        {
            throw new PreconditionException(LockReasons.CountySubmitted, "该县（区）已上报或本年度已截止，无需催报。");
        }

        var names = county.Units.ToDictionary(u => u.Id, u => u.Name, StringComparer.Ordinal);
        var behind = view.Progress.Units
            .Where(u => names.ContainsKey(u.Unit) && (u.Version == 0 || u.MissingValues > 0))
            .Select(u => u.Version == 0 ? $"{names[u.Unit]}（未报送）" : $"{names[u.Unit]}（缺 {u.MissingValues} 项）")
            .ToArray();
        if (behind.Length == 0)
        {
            return (behind, false, false);
        }

        var now = clock.GetUtcNow();
        var key = $"{caller.Tenant}/{countyId}/{year}";
        if (_reminded.TryGetValue(key, out var last) && now - last < ReminderInterval)
        {
            return (behind, false, true);
        }

        var deadline = view.Extension ?? view.Deadline;
        var text = $"### 催报：{county.Name}\n\n{year} 年度法治政府建设考核数据填报{(deadline is { } d ? $"将于 {d.ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd HH:mm}（北京时间）截止" : "正在进行")}，以下单位尚未报齐：\n\n"
            + string.Join("\n", behind.Select(b => "- " + b)) + "\n\n请登录考核平台尽快填报。";
        var posted = await webhooks.PostAsync(caller.Tenant, new
        {
            kind = "county_reminder",
            tenant = caller.Tenant,
            year,
            county = countyId,
            units = behind,
            msgtype = "markdown",
            markdown = new { title = "催报", text, content = text },
        }, ct);
        if (posted == Grains.Notifications.WebhookPost.Failed)
        {
            throw new UnavailableException("催报未能送达本市（州）配置的 Webhook，请稍后重试。");
        }

        if (_reminded.Count > 100_000)
        {
            _reminded.Clear(); // bounded: recent reminders only
        }

        _reminded[key] = now;
        return (behind, posted == Grains.Notifications.WebhookPost.Posted, false);
    }

    /// <summary>How an action is named in the audit trail: the person and their role.</summary>
    public static string Actor(Caller caller) => $"{caller.Name}（{Domain.Workflow.AuditWords.Role(caller.Role.ToString())}）";

    /// <summary>
    /// A county write: the county from the credential or the roster, authorized before validation; the request id is
    /// kept by the county too, so a retry whose first answer was lost never applies twice.
    /// </summary>
    private async Task<(CountyWorkflowView View, CountyInfo County)> RunAsync(Caller caller, Role role, int year, string? requested, Guid? requestId,
        Func<ICountyGrain, Func<string?, int?, WorkflowCommand>, Task<CountyWorkflowView>> command)
    {
        // Each action belongs to one role (上报 to the county, review to the assessor), whoever asks and however.
        if (caller.Role != role)
        {
            throw new PermissionDeniedException();
        }

        var countyId = Target(caller, requested);
        RequestChecks.Require(RequestChecks.Year(year));
        var (_, county) = await RosterAsync(caller, year, countyId);
        var view = await command(cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)),
            (reason, expected) => new WorkflowCommand(Actor(caller), reason, expected, requestId));
        return (view, county);
    }
}

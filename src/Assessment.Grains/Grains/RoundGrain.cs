using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Notifications;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Assessment.Grains.Grains;

/// <summary>
/// A tenant's assessment of one year: its lifecycle (draft → open → closed → published), which it pushes to its
/// counties, the deadline reminders, and the ranking. Ranking pulls each county's facts only when the county's revision changed since
/// the last ranking (a cheap version check), so no submission writes to this grain. Scores are kept per county:
/// a changed county is rescored, and all counties only when the peer ranges move; ranking is then a sort.
/// </summary>
public sealed partial class RoundGrain(
    [PersistentState("round", StorageNames.Default)] IPersistentState<RoundState> state,
    [PersistentState("published", StorageNames.Default)] IPersistentState<PublishedRoundState> published,
    ICountyFactsStore countyFacts,
    INotificationSink notifications,
    Assessment.Grains.Audit.IAuditLog auditLog,
    IOptions<RoundOptions> options,
    TimeProvider clock,
    ILogger<RoundGrain> logger) : Grain, IRoundGrain, IRemindable
{
    private const string ReminderName = "deadline-reminders";
    private const int MaxNotifications = 100;

    private const int MaxAudit = 500;
    private readonly RankingCache _cache = new(clock);
    private readonly Notifications.NotificationDelivery _delivery = new(notifications, logger);
    private IndicatorCatalog _catalog = IndicatorCatalog.Default;
    private string _tenant = "";
    private int _year;
    private IGrainTimer? _upgrade;
    private bool _repinning;

    private RoundState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _year) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        _catalog = IndicatorCatalog.FromText(S.CatalogYaml);
        if (S.SchemeYaml is { } yaml)
        {
            Pin(SchemeLoader.Load(yaml, $"round {_tenant}/{_year} scheme", _catalog));
        }

        if (S.OpenedAt is not null && S.Phase == RoundPhase.Draft)
        {
            // Not during activation: the counties' change notices could not reach a grain that is still activating.
            S.Phase = S.LegacyPublished ? RoundPhase.Published : RoundPhase.Open;
            S.SubmissionDeadline = clock.GetUtcNow().AddDays(60);
            _upgrade = this.RegisterGrainTimer(static (grain, _) => grain.UpgradeLegacyRoundAsync(), this,
                new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }

        // A round stored before its decisions had a chain: the decisions it shows start it.
        Audit.DecisionChain.StartFrom(S, S.Audit, "round");

        // Entries a previous activation stored but could not append yet.
        await FlushAuditAsync();
    }

    public async Task<RoundInfo> Define(RoundDefinition definition, string actor)
    {
        Require(RoundWorkflow.Action.Define, null);
        var catalogs = GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Tenant(_tenant));
        var chosen = definition.CatalogVersion is { } wanted
            ? await catalogs.Get(wanted) ?? throw new ValidationFailedException([new FieldError("catalog_version", $"指标目录没有第 {wanted} 版")])
            : await catalogs.GetLatest();
        var chosenCatalog = IndicatorCatalog.FromText(chosen.Yaml);
        var scheme = Parse(definition.SchemeYaml, chosenCatalog);
        var violations = new List<FieldError>();
        if (scheme.VariantsOutside(definition.Counties.Select(c => c.Group)) is { } outside)
        {
            violations.Add(new FieldError("scheme_yaml", outside));
        }

        if (definition.Counties.Length == 0)
        {
            violations.Add(new FieldError("counties", "考核名单不能为空"));
        }

        if (definition.Counties.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count() != definition.Counties.Length)
        {
            violations.Add(new FieldError("counties", "考核名单中县（区）重复"));
        }

        if (definition.SubmissionDeadline <= clock.GetUtcNow())
        {
            violations.Add(new FieldError("submission_deadline", "填报截止时间须晚于当前时间"));
        }

        if (definition.ReviewDeadline is { } review && review < definition.SubmissionDeadline)
        {
            violations.Add(new FieldError("review_deadline", "审核截止时间不能早于填报截止时间"));
        }

        if (violations.Count > 0)
        {
            throw new ValidationFailedException([.. violations]);
        }

        S.SchemeYaml = definition.SchemeYaml;
        S.CatalogVersion = chosen.Version;
        // The text itself, version 1 too: a later release's default catalog must not change a year that pinned this one.
        S.CatalogYaml = chosen.Yaml;
        S.Counties = definition.Counties;
        S.SubmissionDeadline = definition.SubmissionDeadline;
        S.ReviewDeadline = definition.ReviewDeadline;
        S.Version++;
        AddAudit(actor, "define", $"{_year} 年度考核草案：评分细则 {scheme.Id}，指标目录第 {chosen.Version} 版，{definition.Counties.Length} 个县（区），填报截止 {CountyWorkflow.Local(definition.SubmissionDeadline)}", null);
        await SaveAsync();
        _catalog = chosenCatalog;
        Pin(scheme);
        return Info()!;
    }

    public async Task<RoundInfo> Open(string actor, int? expectedVersion = null)
    {
        Require(RoundWorkflow.Action.Open, expectedVersion);
        if (PinnedScheme is null)
        {
            throw new PreconditionException("ROUND_NOT_DEFINED", $"{_year} 年度考核尚未设置评分细则、名单与截止时间。");
        }

        await PushAsync(RoundPhase.Open, actor, PinnedScheme);
        S.Phase = RoundPhase.Open;
        S.OpenedAt = clock.GetUtcNow();
        S.Version++;
        AddAudit(actor, "open", $"开启 {_year} 年度考核，固定评分细则 {PinnedScheme.Id} 与 {S.Counties.Length} 个县（区）的名单", null);
        await SaveAsync();
        await this.RegisterOrUpdateReminder(ReminderName, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
        return Info()!;
    }

    public async Task<RoundInfo> Close(string actor, int? expectedVersion = null)
    {
        Require(RoundWorkflow.Action.Close, expectedVersion);
        await PushAsync(RoundPhase.Closed, actor, PinnedScheme!);
        S.Phase = RoundPhase.Closed;
        S.Version++;
        AddAudit(actor, "close", $"{_year} 年度考核截止填报", null);
        await SaveAsync();
        return Info()!;
    }

    public Task<RoundInfo?> GetInfo() => Task.FromResult(Info());

    public Task CountyChanged(string county)
    {
        _cache.Changed(county);
        return Task.CompletedTask;
    }

    public async Task<RoundInfo> Publish(string actor, int? expectedVersion = null)
    {
        Require(RoundWorkflow.Action.Publish, expectedVersion);
        var views = await CountyViewsAsync();
        var pending = views.Where(v => v.Status is not (CountyStatus.Reviewed or CountyStatus.Published)).ToArray();
        if (pending.Length > 0)
        {
            var names = Names();
            throw new PreconditionException(LockReasons.CountiesNotReviewed,
                $"尚有 {pending.Length} 个县（区）未审核通过：{string.Join("、", pending.Take(5).Select(v => names[v.County]))}{(pending.Length > 5 ? " 等" : "")}。");
        }

        // Every county freezes and answers with its audit head; the round records them all, and the ranking and
        // scores as they stand now, before it says "published". From then on nothing is recomputed from the counties.
        S.PublishedHeads = await PushAsync(RoundPhase.Published, actor, PinnedScheme!);
        await FreezeAsync();
        S.Phase = RoundPhase.Published;
        S.Version++;
        AddAudit(actor, "publish", $"发布 {_year} 年度考核结果（评分细则 {PinnedScheme!.Id}），锚定 {S.PublishedHeads.Count} 个县（区）的审计链", null);
        await SaveAsync();
        await StopRemindersAsync();
        return Info()!;
    }

    /// <summary>
    /// Tells every county the round's phase, deadline and scheme (idempotent at the county) and returns their audit
    /// heads. Runs before the round stores its own new phase, so a failure leaves the round where it was and the same
    /// call can simply be repeated.
    /// </summary>
    private async Task<Dictionary<string, AuditAnchor>> PushAsync(RoundPhase phase, string actor, Scheme scheme)
    {
        var required = Completeness.RequiredUnitCodes(scheme, _catalog, UnitKinds.Department);
        var township = Completeness.RequiredUnitCodes(scheme, _catalog, UnitKinds.Township);
        var counties = S.Counties;
        try
        {
            var heads = await Task.WhenAll(counties.Select(c => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year))
                .SetSchedule(new RoundSchedule(phase, S.SubmissionDeadline, scheme.Id, c.Units.Select(u => u.Id).ToArray(), required, actor, Math.Max(1, S.CatalogVersion),
                    c.Units.Where(u => u.Kind == UnitKindNames.Township).Select(u => u.Id).ToArray(), township,
                    scheme.Dimensions.SelectMany(d => d.Lines).Where(l => l.Review).Select(l => l.Indicator).ToArray()))));
            return counties.Select((c, i) => (c.Id, heads[i])).ToDictionary(x => x.Id, x => x.Item2, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is not AssessmentException)
        {
            logger.LogWarning(ex, "Round {Round}: telling the counties about {Phase} failed", this.GetPrimaryKeyString(), phase);
            throw new UnavailableException("部分县（区）暂不可达，本次操作未完成；重试是安全的。");
        }
    }

    private async Task<CountyWorkflowView[]> CountyViewsAsync() =>
        await Task.WhenAll(S.Counties.Select(c => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year)).GetWorkflow()));

    private Scheme? PinnedScheme => _cache.Scheme;

    private void Pin(Scheme scheme) => _cache.Pin(scheme, _catalog);

    private Scheme Parse(string yaml) => Parse(yaml, _catalog);

    private static Scheme Parse(string yaml, IndicatorCatalog catalog)
    {
        try
        {
            return SchemeLoader.Load(yaml, "scheme", catalog);
        }
        catch (DataFileException ex)
        {
            throw new ValidationFailedException(ex.Problems.Select(p => new FieldError("scheme_yaml", p)).ToArray());
        }
    }

    private void Require(RoundWorkflow.Action action, int? expectedVersion)
    {
        // A stale version first: the caller's view is outdated, whatever the state it would now meet.
        if (expectedVersion is { } v && v != S.Version)
        {
            throw new AbortedException(v, S.Version);
        }

        if (RoundWorkflow.Check(action, S.Phase) is { } refused)
        {
            throw new PreconditionException(refused.Reason, refused.Message);
        }
    }

    private static void RequireReason(string reason)
    {
        if (WorkflowText.Reason(reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }
    }

    /// <summary>
    /// Records a decision: in the round's hash chain (stored with the next state write, then appended to the insert-only
    /// audit log, like a county's entries) and in the short list the round shows.
    /// </summary>
    private void AddAudit(string actor, string action, string detail, string? reason)
    {
        var entry = new RoundAuditEntry(clock.GetUtcNow(), actor, action, detail, reason);
        Audit.DecisionChain.Add(S, entry, "round");
        S.Audit.Add(entry);
        if (S.Audit.Count > MaxAudit)
        {
            S.Audit.RemoveRange(0, S.Audit.Count - MaxAudit);
        }
    }

    /// <summary>The round's audit chain in the audit log: "tenant/year/round" (county chains are "tenant/county/year").</summary>
    public static string ChainOf(string tenant, int year) => $"{GrainKeys.Round(tenant, year)}/round";

    /// <summary>Writes the round's state, then appends the decisions it recorded to the audit log.</summary>
    private async Task SaveAsync()
    {
        await state.WriteOrRestoreAsync(GrainContext, logger);
        await FlushAuditAsync();
    }

    private Task FlushAuditAsync() => Audit.DecisionChain.FlushAsync(S, auditLog, ChainOf(_tenant, _year), logger);

    private RoundInfo? Info() => PinnedScheme is null
        ? null
        : new RoundInfo(_year, PinnedScheme.Id, PinnedScheme.Name, S.Counties, S.OpenedAt, S.Phase, [.. S.Audit], S.SubmissionDeadline,
            S.ReviewDeadline, S.Version, new Dictionary<string, AuditAnchor>(S.PublishedHeads, StringComparer.Ordinal), Math.Max(1, S.CatalogVersion));

    public Task<string?> GetSchemeText() => Task.FromResult(S.SchemeYaml);

    // A re-pin under way is reported as not fixed: a silo must not keep a version the round may still roll back.
    public Task<YearCatalog?> GetCatalog() => Task.FromResult(PinnedScheme is null
        ? null
        : new YearCatalog(Math.Max(1, S.CatalogVersion), S.CatalogYaml, S.Phase != RoundPhase.Draft && !_repinning));
}

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
    IndicatorCatalog catalog,
    ICountyFactsStore countyFacts,
    INotificationSink notifications,
    IOptions<RoundOptions> options,
    TimeProvider clock,
    ILogger<RoundGrain> logger) : Grain, IRoundGrain, IRemindable
{
    private const string ReminderName = "deadline-reminders";
    private const int MaxNotifications = 100;

    private const int MaxAudit = 500;
    private readonly RankingCache _cache = new(catalog, clock);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _delivering = new(); // posts in flight, off the turn
    private string _tenant = "";
    private int _year;
    private IGrainTimer? _upgrade;

    private RoundState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _year) = GrainKeys.ParseRound(this.GetPrimaryKeyString());
        if (S.SchemeYaml is { } yaml)
        {
            Pin(SchemeLoader.Load(yaml, $"round {_tenant}/{_year} scheme", catalog));
        }

        if (S.OpenedAt is not null && S.Phase == RoundPhase.Draft)
        {
            // Not during activation: the counties' change notices could not reach a grain that is still activating.
            S.Phase = S.LegacyPublished ? RoundPhase.Published : RoundPhase.Open;
            S.SubmissionDeadline = clock.GetUtcNow().AddDays(60);
            _upgrade = this.RegisterGrainTimer(static (grain, _) => grain.UpgradeLegacyRoundAsync(), this,
                new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A round stored before the lifecycle existed was open (or published) without a deadline, and its counties never
    /// heard of it: it becomes open with a deadline 60 days from now (or published), and its counties are told.
    /// </summary>
    private async Task UpgradeLegacyRoundAsync()
    {
        _upgrade?.Dispose();
        logger.LogWarning("Round {Round} was stored before rounds had a lifecycle; now {Phase} with deadline {Deadline}",
            this.GetPrimaryKeyString(), S.Phase, S.SubmissionDeadline);
        try
        {
            if (S.Phase == RoundPhase.Published)
            {
                S.PublishedHeads = await PushAsync(RoundPhase.Published, "system", PinnedScheme!);
            }
            else
            {
                await PushAsync(RoundPhase.Open, "system", PinnedScheme!);
            }

            AddAudit("system", "upgrade", $"按新的考核流程转换：{S.Phase}，填报截止 {CountyWorkflow.Local(S.SubmissionDeadline)}", null);
            await state.WriteOrRestoreAsync(GrainContext, logger);
        }
        catch (UnavailableException ex)
        {
            // Stays a legacy round in storage; the next activation tries again.
            logger.LogWarning(ex, "Round {Round}: upgrade could not reach every county yet", this.GetPrimaryKeyString());
        }
    }

    public async Task<RoundInfo> Define(RoundDefinition definition, string actor)
    {
        Require(RoundWorkflow.Action.Define, null);
        var scheme = Parse(definition.SchemeYaml);
        var violations = new List<FieldError>();
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
        S.Counties = definition.Counties;
        S.SubmissionDeadline = definition.SubmissionDeadline;
        S.ReviewDeadline = definition.ReviewDeadline;
        S.Version++;
        AddAudit(actor, "define", $"{_year} 年度考核草案：评分细则 {scheme.Id}，{definition.Counties.Length} 个县（区），填报截止 {CountyWorkflow.Local(definition.SubmissionDeadline)}", null);
        await state.WriteOrRestoreAsync(GrainContext, logger);
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
        await state.WriteOrRestoreAsync(GrainContext, logger);
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
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return Info()!;
    }

    public Task<RoundInfo?> GetInfo() => Task.FromResult(Info());

    public Task CountyChanged(string county)
    {
        _cache.Changed(county);
        return Task.CompletedTask;
    }

    public async Task<RankingResult> GetRanking()
    {
        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Ranking!;
        }

        await RefreshAsync();
        if (_cache.Latest is null)
        {
            var previous = _year > GrainKeys.MinYear
                ? await GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year - 1)).GetRankingForComparison()
                : null;
            _cache.Latest = Result(_cache.Ranked!, PinnedScheme!, previous);
        }

        return _cache.Latest;
    }

    public async Task<RankingResult?> GetRankingForComparison()
    {
        if (PinnedScheme is null)
        {
            return null;
        }

        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Ranking;
        }

        await RefreshAsync();
        return Result(_cache.Ranked!, PinnedScheme, previous: null);
    }

    public async Task<CountyScore> GetCountyScore(string county)
    {
        if (await FrozenAsync() is { } frozen)
        {
            return frozen.Scores.Find(c => c.Card.County == county)
                ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        }

        await RefreshAsync();
        var ranked = _cache.Ranked!.FirstOrDefault(r => r.County == county)
            ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        return new CountyScore(_cache.Explained(county), ranked.Rank, ranked.Grade, PinnedScheme!.Id);
    }

    public async Task<SimulationResult> Simulate(string schemeYaml)
    {
        var draft = Parse(schemeYaml);
        await RefreshAsync();
        var facts = S.Counties.Select(c => _cache.Facts(c.Id)).ToArray();
        var ranked = Ranker.Rank(draft, new Scorer(catalog, draft).ScoreAll(facts, explain: false), Groups(), Overrides());
        var result = Result(ranked, draft, previous: null);
        var current = _cache.Ranked!.ToDictionary(r => r.County, StringComparer.Ordinal);
        var names = Names();
        var moved = ranked
            .Where(r => current[r.County].Rank != r.Rank || current[r.County].Grade != r.Grade)
            .Select(r => new CountyMove(r.County, names[r.County], current[r.County].Rank, r.Rank, current[r.County].Grade, r.Grade, current[r.County].Total, r.Total))
            .ToArray();
        var counts = draft.AllGrades.ToDictionary(g => g, g => ranked.Count(r => r.Grade == g), StringComparer.Ordinal);
        return new SimulationResult(result, counts, moved);
    }

    public async Task<RoundInfo> RepinScheme(string schemeYaml, string reason, string actor)
    {
        Require(RoundWorkflow.Action.ChangeScoring, null);
        RequireReason(reason);
        var scheme = Parse(schemeYaml);
        if (scheme.Id == PinnedScheme!.Id)
        {
            // code@version names one text: the counties, the ranking and the bulletin all go by the name.
            if (string.Equals(schemeYaml, S.SchemeYaml, StringComparison.Ordinal))
            {
                return Info()!;
            }

            throw new ValidationFailedException([new FieldError("scheme_yaml",
                $"评分细则 {scheme.Id} 已固定为另一份内容；修改后的细则须提高 version（如 {scheme.Code}@{scheme.Version + 1}）")]);
        }

        var before = PinnedScheme!.Id;
        await PushAsync(S.Phase, actor, scheme);
        S.SchemeYaml = schemeYaml;
        S.Version++;
        AddAudit(actor, "repin_scheme", $"评分细则 {before} → {scheme.Id}", reason);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        Pin(scheme);
        return Info()!;
    }

    public async Task<RankingResult> OverrideQuota(string county, string reason, string actor)
    {
        Require(RoundWorkflow.Action.ChangeScoring, null);
        RequireReason(reason);
        await RefreshAsync();
        var row = _cache.Ranked!.FirstOrDefault(r => r.County == county) ?? throw new NotFoundException($"{_year} 年度考核名单中没有该县（区）。");
        if (!row.LimitedByQuota)
        {
            throw new PreconditionException("NOT_LIMITED_BY_QUOTA", "该县（区）未因比例限制降等，无需调整。");
        }

        var overrides = new HashSet<string>(S.QuotaOverrides.Keys, StringComparer.Ordinal) { county };
        var trial = Ranker.Rank(PinnedScheme!, _cache.Ranked!.Select(r => r.Card).ToArray(), Groups(), overrides);
        if (!trial.Single(r => r.County == county).QuotaOverride)
        {
            throw new PreconditionException("QUOTA_EXCEEDED", "该县（区）不在比例分界线上的并列名次中，或保留等次将超出比例，不能调整。");
        }

        S.QuotaOverrides[county] = reason;
        S.Version++;
        AddAudit(actor, "override_quota", $"{Names()[county]}保留{PinnedScheme!.Scale(GroupOf(county)).Quota!.Label}等次", reason);
        await state.WriteOrRestoreAsync(GrainContext, logger);
        _cache.Invalidate();
        return await GetRanking();
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
        await state.WriteOrRestoreAsync(GrainContext, logger);
        await StopRemindersAsync();
        return Info()!;
    }

    public Task<RoundNotification[]> GetNotifications() => Task.FromResult(Enumerable.Reverse(S.Notifications).ToArray());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        if (S.Phase is RoundPhase.Draft or RoundPhase.Published)
        {
            await StopRemindersAsync();
            return;
        }

        var now = clock.GetUtcNow();
        var offsets = options.Value.ReminderOffsets;
        var due = DeadlineReminders.Due(offsets, S.RemindersDone, S.SubmissionDeadline, now);
        if (due.Length > 0)
        {
            // Several points may have passed while no silo ran the reminder: one notice for the latest of them.
            var offset = due.Max();
            var views = await CountyViewsAsync();
            var overdue = views
                .Where(v => DeadlineReminders.StillExpected(v.Status, v.Extension, now))
                .SelectMany(v => v.Progress.Units.Where(u => u.Version == 0).Select(u => $"{v.County}/{u.Unit}"))
                .ToArray();
            S.Notifications.Add(new RoundNotification(S.Notifications.LastOrDefault()?.Sequence + 1 ?? 1, now,
                DeadlineReminders.Kind(offset), offset, overdue.Length,
                overdue.Take(options.Value.MaxUnitsPerNotification).ToArray(), Delivered: false));
            if (S.Notifications.Count > MaxNotifications)
            {
                S.Notifications.RemoveRange(0, S.Notifications.Count - MaxNotifications);
            }

            S.RemindersDone.AddRange(due.Select(o => o.Ticks));
            await state.WriteOrRestoreAsync(GrainContext, logger);
            logger.LogInformation("Round {Round}: reminder at deadline {Offset:+0.##;-0.##} d found {Count} units without a submission",
                this.GetPrimaryKeyString(), offset.TotalDays, overdue.Length);
        }

        await DeliverAsync();
        if (offsets.All(o => S.RemindersDone.Contains(o.Ticks)) && S.Notifications.All(n => n.Delivered))
        {
            await StopRemindersAsync();
        }
    }

    /// <summary>
    /// Posts undelivered notifications without holding the round's turn: a slow or unreachable webhook (10 s time-out)
    /// never delays the round's other calls. A post that succeeds comes back as <see cref="MarkDelivered"/>.
    /// </summary>
    private Task DeliverAsync()
    {
        var self = this.AsReference<IRoundGrain>();
        foreach (var notification in S.Notifications.Where(n => !n.Delivered && _delivering.TryAdd(n.Sequence, true)))
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    if (await notifications.DeliverAsync(_tenant, _year, notification, CancellationToken.None))
                    {
                        await self.MarkDelivered(notification.Sequence);
                    }
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Round {Round}: notification {Sequence} not delivered yet", _tenant + "/" + _year, notification.Sequence);
                }
                finally
                {
                    _delivering.TryRemove(notification.Sequence, out _);
                }
            });
        }

        return Task.CompletedTask;
    }

    public async Task MarkDelivered(int sequence)
    {
        var index = S.Notifications.FindIndex(n => n.Sequence == sequence);
        if (index < 0 || S.Notifications[index].Delivered)
        {
            return;
        }

        S.Notifications[index] = S.Notifications[index] with { Delivered = true };
        await state.WriteOrRestoreAsync(GrainContext, logger);
        if (options.Value.ReminderOffsets.All(o => S.RemindersDone.Contains(o.Ticks)) && S.Notifications.All(n => n.Delivered))
        {
            await StopRemindersAsync();
        }
    }

    private async Task StopRemindersAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>
    /// Tells every county the round's phase, deadline and scheme (idempotent at the county) and returns their audit
    /// heads. Runs before the round stores its own new phase, so a failure leaves the round where it was and the same
    /// call can simply be repeated.
    /// </summary>
    private async Task<Dictionary<string, AuditAnchor>> PushAsync(RoundPhase phase, string actor, Scheme scheme)
    {
        var required = Completeness.RequiredUnitCodes(scheme, catalog);
        var counties = S.Counties;
        try
        {
            var heads = await Task.WhenAll(counties.Select(c => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, c.Id, _year))
                .SetSchedule(new RoundSchedule(phase, S.SubmissionDeadline, scheme.Id, c.Units.Select(u => u.Id).ToArray(), required, actor))));
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

    private void Pin(Scheme scheme) => _cache.Pin(scheme);

    private Scheme Parse(string yaml)
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

    private void AddAudit(string actor, string action, string detail, string? reason)
    {
        S.Audit.Add(new RoundAuditEntry(clock.GetUtcNow(), actor, action, detail, reason));
        if (S.Audit.Count > MaxAudit)
        {
            S.Audit.RemoveRange(0, S.Audit.Count - MaxAudit);
        }
    }

    private RoundInfo? Info() => PinnedScheme is null
        ? null
        : new RoundInfo(_year, PinnedScheme.Id, PinnedScheme.Name, S.Counties, S.OpenedAt, S.Phase, [.. S.Audit], S.SubmissionDeadline,
            S.ReviewDeadline, S.Version, new Dictionary<string, AuditAnchor>(S.PublishedHeads, StringComparer.Ordinal));

    private string? GroupOf(string county) => Array.Find(S.Counties, c => c.Id == county)?.Group;

    private Dictionary<string, string> Groups() =>
        S.Counties.Where(c => c.Group is not null).ToDictionary(c => c.Id, c => c.Group!, StringComparer.Ordinal);

    private HashSet<string> Overrides() => new(S.QuotaOverrides.Keys, StringComparer.Ordinal);

    private Dictionary<string, string> Names() => S.Counties.ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);

    /// <summary>The frozen publication, or null while the round is not published (a legacy one is frozen on first read).</summary>
    private async Task<PublishedRoundState?> FrozenAsync()
    {
        if (S.Phase != RoundPhase.Published)
        {
            return null;
        }

        if (published.State.Ranking is null)
        {
            await FreezeAsync();
        }

        return published.State;
    }

    private async Task FreezeAsync()
    {
        _cache.SweepNext(); // ask every county once more: they are frozen now
        await RefreshAsync();
        var previous = _year > GrainKeys.MinYear
            ? await GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year - 1)).GetRankingForComparison()
            : null;
        published.State = new PublishedRoundState
        {
            Ranking = Result(_cache.Ranked!, PinnedScheme!, previous),
            Scores = [.. _cache.Ranked!.Select(r => new CountyScore(_cache.Explained(r.County), r.Rank, r.Grade, PinnedScheme!.Id))],
        };
        await published.WriteOrRestoreAsync(GrainContext, logger);
    }

    private async Task RefreshAsync()
    {
        if (PinnedScheme is null)
        {
            throw new PreconditionException("ROUND_NOT_OPEN", $"{_year} 年度考核尚未开启。");
        }

        var started = clock.GetTimestamp();
        await _cache.RefreshAsync(S.Counties,
            (county, known) => GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(_tenant, county, _year)).GetFactsIfChanged(known),
            () => countyFacts.ReadAsync(_tenant, _year),
            Groups(), Overrides());
        logger.LogDebug("Ranked {Count} counties of {Round} in {Elapsed}", S.Counties.Length, this.GetPrimaryKeyString(), clock.GetElapsedTime(started));
    }

    private RankingResult Result(IReadOnlyList<RankedCounty> ranked, Scheme scheme, RankingResult? previous) =>
        _cache.Result(ranked, scheme, _year, Names(), previous);
}

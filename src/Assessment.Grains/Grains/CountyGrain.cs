using System.Globalization;
using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Audit;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Assessment.Grains.Grains;

/// <summary>
/// A county's stored state for a year: one small aggregate cell per indicator and the version of each unit it has
/// applied, its workflow state and adjustments, and the head of its audit chain (the entries live in the audit log).
/// It never holds the units' values, so its size does not grow with the number of units' submissions.
/// </summary>
[GenerateSerializer, Alias("assessment.CountyState")]
public sealed class CountyState
{
    [Id(0)] public Dictionary<string, AggregateCell> Cells { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, int> UnitVersions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Increases with every change of the county's facts or adjustments; lets readers skip unchanged counties.</summary>
    [Id(2)] public int Revision { get; set; }
    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(4)] public RoundPhase Phase { get; set; }
    [Id(5)] public CountyStatus Status { get; set; }
    /// <summary>Increases with every assessor-side change (status, adjustment, extension, assessor entry): expected_version.</summary>
    [Id(6)] public int Version { get; set; }
    [Id(7)] public DateTimeOffset? Deadline { get; set; }
    [Id(8)] public DateTimeOffset? Extension { get; set; }
    [Id(9)] public string? ReturnReason { get; set; }
    [Id(10)] public string SchemeId { get; set; } = "";
    /// <summary>The pinned roster of this county's units.</summary>
    [Id(11)] public string[] Units { get; set; } = [];
    [Id(12)] public string[] RequiredUnitCodes { get; set; } = [];
    /// <summary>Durable time of each unit's latest applied submission (timeliness).</summary>
    [Id(13)] public Dictionary<string, DateTimeOffset> UnitStoredAt { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Values each unit has not reported of those the scheme needs (completeness).</summary>
    [Id(14)] public Dictionary<string, int> UnitMissing { get; set; } = new(StringComparer.Ordinal);
    [Id(15)] public List<AdjustmentRecord> Adjustments { get; set; } = [];
    [Id(16)] public int AuditCount { get; set; }
    [Id(17)] public string AuditHash { get; set; } = AuditChain.Genesis;
    [Id(18)] public int NextAdjustment { get; set; } = 1;
    /// <summary>Audit entries stored with this state but not yet appended to the audit log (see <see cref="IAuditLog"/>).</summary>
    [Id(19)] public List<AuditRecord> PendingAudit { get; set; } = [];
    /// <summary>Request ids of the latest assessor/county writes, so a retried write is applied once.</summary>
    [Id(20)] public List<Guid> RecentRequests { get; set; } = [];

    /// <summary>A deep copy: what a write serializes must not change under it.</summary>
    public CountyState Clone() => new()
    {
        Cells = Cells.ToDictionary(kv => kv.Key, kv => new AggregateCell { Sum = kv.Value.Sum, Reporters = kv.Value.Reporters, WeightSum = kv.Value.WeightSum }, StringComparer.Ordinal),
        UnitVersions = new Dictionary<string, int>(UnitVersions, StringComparer.Ordinal),
        Revision = Revision,
        UpdatedAt = UpdatedAt,
        Phase = Phase,
        Status = Status,
        Version = Version,
        Deadline = Deadline,
        Extension = Extension,
        ReturnReason = ReturnReason,
        SchemeId = SchemeId,
        Units = Units,
        RequiredUnitCodes = RequiredUnitCodes,
        UnitStoredAt = new Dictionary<string, DateTimeOffset>(UnitStoredAt, StringComparer.Ordinal),
        UnitMissing = new Dictionary<string, int>(UnitMissing, StringComparer.Ordinal),
        Adjustments = [.. Adjustments],
        AuditCount = AuditCount,
        AuditHash = AuditHash,
        NextAdjustment = NextAdjustment,
        PendingAudit = [.. PendingAudit],
        RecentRequests = [.. RecentRequests],
    };
}

/// <summary>
/// Aggregates a county's units and runs its review workflow. Applying a unit's change is idempotent on (unit, version).
/// <para>
/// Every unit of a county funnels into this one grain, so one write per change would cap a county at one change per
/// database commit. Instead the grain is reentrant and commits in groups: a change is applied in memory at once, and
/// its caller waits for the next write, which carries every change applied while the previous write was in flight.
/// No caller hears "applied" before its change is durable. If a write fails, the stored state is re-read, every change
/// not yet durable is refused (its units keep it pending and push it again), and new changes are refused until the
/// state is restored.
/// </para>
/// <para>
/// Every change is also an entry of the county-year's hash chain. Entries are made in memory with the change, stored
/// inside the state that records the new head (so both are durable together or not at all), and appended to the
/// insert-only audit log once that write has succeeded. An activation that finds pending entries appends them first.
/// </para>
/// </summary>
[Reentrant]
public sealed class CountyGrain(
    [PersistentState("county", StorageNames.Default)] IPersistentState<CountyState> state,
    IndicatorCatalog catalog,
    IAuditLog auditLog,
    TimeProvider clock,
    ILogger<CountyGrain> logger) : Grain, ICountyGrain
{
    /// <summary>Adjustments kept per county-year (keeps the state bounded).</summary>
    public const int MaxAdjustments = 100;

    /// <summary>Request ids remembered for retries (the request ledger keeps answers far longer; this covers a lost answer).</summary>
    public const int MaxRecentRequests = 64;

    private static readonly Dictionary<string, double> Empty = new(StringComparer.Ordinal);
    private Dictionary<string, double>? _values;
    private TaskCompletionSource? _unwritten; // changes applied since the current write started; done when durable
    private TaskCompletionSource? _writingBatch; // the changes the current write carries
    private bool _writing;
    private bool _restoring;
    private bool _submitting;
    private int _highestRevision;

    // The grain works on its own copy; a write serializes a snapshot of it, so changes applied by interleaved calls
    // while the storage provider runs (off the grain's scheduler) can never race the serializer.
    private CountyState S { get; set; } = new();

    private IRoundGrain _round = null!;
    private string _tenant = "";
    private string _county = "";
    private int _year;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _county, _year) = GrainKeys.ParseCounty(this.GetPrimaryKeyString());
        _round = GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year));
        S = state.State.Clone();
        _highestRevision = S.Revision;
        return FlushAuditAsync();
    }

    private string Chain => this.GetPrimaryKeyString();

    private CountyContext Context() => new(S.Phase, S.Status, S.Deadline, S.Extension, clock.GetUtcNow());

    /// <remarks>
    /// Admission reads only the workflow fields, which a failed write can at worst roll back to their stored values, so
    /// units keep storing (and acknowledging) while the county's own storage is failing; their changes reach the
    /// county when it can write again.
    /// </remarks>
    public Task Admit(string unit, int? expectedVersion)
    {
        var action = unit == GrainKeys.AssessorEntry ? CountyAction.AssessorEntry : CountyAction.UnitSubmit;
        var refused = CountyWorkflow.Check(action, Context());
        if (refused is null && action == CountyAction.UnitSubmit && _submitting)
        {
            refused = new Refusal(LockReasons.CountySubmitted, "本县（区）正在上报，单位不能再修改数据。");
        }

        if (refused is not null)
        {
            throw new PreconditionException(refused.Reason, refused.Message);
        }

        if (action == CountyAction.UnitSubmit && unit != GrainKeys.CountySelf && Array.IndexOf(S.Units, unit) < 0)
        {
            throw new PreconditionException(LockReasons.UnitNotInRoster, "该单位不在本年度考核名单中。");
        }

        RequireVersion(expectedVersion);
        return Task.CompletedTask;
    }

    public async Task<int> ApplyUnitChange(UnitChange change)
    {
        if (_restoring)
        {
            throw new UnavailableException("县级汇总正在恢复，请稍后重试。");
        }

        var current = S.UnitVersions.GetValueOrDefault(change.Unit);
        if (current >= change.ToVersion)
        {
            // Already applied, perhaps not yet durable: answer only once it is, and only if it still is applied.
            await DurableAsync();
            current = S.UnitVersions.GetValueOrDefault(change.Unit);
            return current >= change.ToVersion
                ? current
                : throw new UnavailableException("存储暂不可用，县级汇总未更新；单位的提交已保存，将自动重试汇总。");
        }

        var baseValues = current == 0
            ? Empty
            : Array.Find(change.Bases, b => b.Version == current)?.Values;
        if (baseValues is null)
        {
            logger.LogError("County {County} is at version {Current} of unit {Unit}, which the unit no longer offers; refusing the change",
                Chain, current, change.Unit);
            throw new UnavailableException("县级汇总与单位版本不一致，已记录待处理。");
        }

        // A change admitted before 上报 lands before 上报 completes (it syncs every unit); one that arrives later (a push
        // retried after a failure) waits, pending at its unit, until the county is returned — it never changes figures
        // under review or published.
        if (CountyWorkflow.CheckLanding(change.Unit == GrainKeys.AssessorEntry, Context()) is { } late)
        {
            throw new PreconditionException(late.Reason, late.Message);
        }

        // Applied in memory without any await in between, so interleaved calls never see half a change.
        CountyAggregate.Apply(catalog, S.Cells, baseValues, change.ToValues);
        S.UnitVersions[change.Unit] = change.ToVersion;
        S.UnitStoredAt[change.Unit] = change.StoredAt;
        S.UnitMissing[change.Unit] = Completeness.Missing(S.RequiredUnitCodes, change.ToValues);
        var assessor = change.Unit == GrainKeys.AssessorEntry;
        if (assessor)
        {
            S.Version++;
        }

        var (before, after) = Diff(baseValues, change.ToValues);
        Audit(new AuditEvent(change.StoredAt, change.Actor, assessor ? "assessor_entry" : "submission",
            $"{change.Unit}@{change.ToVersion}", before, after, change.Reason));
        FactsChanged();
        await PersistAsync();
        return change.ToVersion;
    }

    public async Task<AuditAnchor> SetSchedule(RoundSchedule schedule)
    {
        if (schedule.Phase < S.Phase
            || (schedule.Phase == S.Phase && schedule.SubmissionDeadline == S.Deadline && schedule.SchemeId == S.SchemeId))
        {
            await DurableAsync();
            return Head();
        }

        RequireNotRestoring();
        var before = $"{S.Phase} {S.SchemeId}".Trim();
        var recount = !S.RequiredUnitCodes.SequenceEqual(schedule.RequiredUnitCodes);
        S.Phase = schedule.Phase;
        S.Deadline = schedule.SubmissionDeadline;
        S.SchemeId = schedule.SchemeId;
        S.Units = schedule.Units;
        S.RequiredUnitCodes = schedule.RequiredUnitCodes;
        if (schedule.Phase == RoundPhase.Published)
        {
            S.Status = CountyStatus.Published;
        }

        var deadline = schedule.SubmissionDeadline is { } d ? $"，填报截止 {CountyWorkflow.Local(d)}" : "";
        Audit(new AuditEvent(clock.GetUtcNow(), schedule.Actor, "round_" + schedule.Phase.ToString().ToLowerInvariant(), "round",
            before, $"{schedule.Phase} {schedule.SchemeId}{deadline}", null));
        FactsChanged();
        await PersistAsync();
        if (recount)
        {
            // Counted again from the units' own values, and stored: completeness survives the next activation.
            await RecountMissingAsync();
            await PersistAsync();
        }

        return Head();
    }

    public Task<CountyWorkflowView> SubmitForReview(WorkflowCommand command) =>
        TransitionAsync(CountyAction.SubmitForReview, CountyStatus.Submitted, "submit_for_review", command, reasonRequired: false);

    public Task<CountyWorkflowView> Return(WorkflowCommand command) =>
        TransitionAsync(CountyAction.Return, CountyStatus.Returned, "return", command, reasonRequired: true);

    public Task<CountyWorkflowView> Approve(WorkflowCommand command) =>
        TransitionAsync(CountyAction.Approve, CountyStatus.Reviewed, "approve", command, reasonRequired: false);

    public async Task<CountyWorkflowView> Extend(DateTimeOffset until, WorkflowCommand command)
    {
        if (await AlreadyAppliedAsync(command))
        {
            return View();
        }

        RequireReason(command.Reason);
        Require(CountyAction.Extend, command);
        if (until <= clock.GetUtcNow())
        {
            throw new ValidationFailedException([new FieldError("until", "延期截止时间须晚于当前时间")]);
        }

        var before = S.Extension is { } e ? CountyWorkflow.Local(e) : null;
        S.Extension = until;
        S.Version++;
        Remember(command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Actor, "extend", "deadline", before, CountyWorkflow.Local(until), command.Reason));
        await PersistAsync();
        return View();
    }

    public async Task<CountyWorkflowView> Adjust(AdjustmentCommand command)
    {
        if (await AlreadyAppliedAsync(command.Command))
        {
            return View();
        }

        Require(CountyAction.Adjust, command.Command);
        var reason = command.Command.Reason;
        var existing = command.Id is null ? null : S.Adjustments.Find(a => a.Id == command.Id)
            ?? throw new NotFoundException("没有该调整项。");
        AdjustmentRecord? next = null;
        if (!command.Withdraw)
        {
            var violations = WorkflowText.Adjustment(catalog, command.Target, command.Points, reason, command.Evidence);
            if (violations.Count > 0)
            {
                throw new ValidationFailedException([.. violations.Select(v => new FieldError(v.Field, v.Description))]);
            }

            if (existing is null && S.Adjustments.Count >= MaxAdjustments)
            {
                throw new PreconditionException("TOO_MANY_ADJUSTMENTS", $"每个县（区）最多 {MaxAdjustments} 项调整。");
            }

            next = new AdjustmentRecord(existing?.Id ?? $"adj-{S.NextAdjustment++}", command.Target, command.Points, reason!,
                string.IsNullOrWhiteSpace(command.Evidence) ? null : command.Evidence, command.Command.Actor, clock.GetUtcNow());
        }
        else if (existing is null)
        {
            throw new ValidationFailedException([new FieldError("id", "撤销调整须指明调整项")]);
        }

        if (existing is not null)
        {
            S.Adjustments.Remove(existing);
        }

        if (next is not null)
        {
            S.Adjustments.Add(next);
        }

        S.Version++;
        Remember(command.Command);
        Audit(new AuditEvent(clock.GetUtcNow(), command.Command.Actor,
            command.Withdraw ? "adjust_withdraw" : existing is null ? "adjust" : "adjust_revise",
            (next ?? existing)!.Id, Describe(existing), Describe(next), reason));
        FactsChanged();
        await PersistAsync();
        return View();
    }

    public async Task<CountyWorkflowView> GetWorkflow()
    {
        await DurableAsync();
        return View();
    }

    public async Task<AuditPage> ReadAudit(int from, int count)
    {
        await DurableAsync();
        if (!_writing)
        {
            await FlushAuditAsync();
        }

        var head = Head();
        var start = Math.Clamp(from, 0, head.Count);
        var records = await auditLog.ReadAsync(Chain, start, Math.Min(head.Count, start + Math.Clamp(count, 0, 1000)));
        return new AuditPage(records.Select(AuditEntryRecord.From).ToArray(), head);
    }

    public async Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision)
    {
        await DurableAsync();
        return knownRevision == S.Revision && knownRevision != 0 ? null : new CountyFactsSnapshot(S.Revision, Values(), [.. S.Adjustments]);
    }

    public async Task<CountyAggregateView> GetAggregate()
    {
        await DurableAsync();
        return new CountyAggregateView(
            S.Revision,
            Values(),
            S.Cells.ToDictionary(kv => kv.Key, kv => kv.Value.Reporters, StringComparer.Ordinal),
            new Dictionary<string, int>(S.UnitVersions, StringComparer.Ordinal));
    }

    private async Task<CountyWorkflowView> TransitionAsync(CountyAction action, CountyStatus to, string name, WorkflowCommand command, bool reasonRequired)
    {
        if (await AlreadyAppliedAsync(command))
        {
            return View();
        }

        // What was written is checked before the state it meets: a bad reason is a bad request in any state.
        if (reasonRequired)
        {
            RequireReason(command.Reason);
        }
        else if (WorkflowText.OptionalReason(command.Reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }

        Require(action, command);

        if (action == CountyAction.SubmitForReview)
        {
            // New submissions are refused from here on; every unit then finishes what it was doing and pushes what the
            // county lacks, so the figures under review are exactly the ones the units were told were stored.
            _submitting = true;
            try
            {
                await SyncUnitsAsync();
            }
            finally
            {
                _submitting = false;
            }

            Require(action, command);
        }

        var before = S.Status;
        S.Status = to;
        S.Version++;
        Remember(command);
        if (to == CountyStatus.Returned)
        {
            S.ReturnReason = command.Reason;
        }

        Audit(new AuditEvent(clock.GetUtcNow(), command.Actor, name, "status", before.ToString(), to.ToString(), command.Reason));
        await PersistAsync();
        return View();
    }

    private async Task SyncUnitsAsync()
    {
        var units = S.Units.Concat(S.UnitVersions.Keys).Append(GrainKeys.CountySelf).Append(GrainKeys.AssessorEntry).Distinct(StringComparer.Ordinal);
        var synced = await Task.WhenAll(units.Select(async u =>
        {
            try
            {
                return await GrainFactory.GetGrain<IUnitGrain>(GrainKeys.Unit(_tenant, _county, u, _year)).Sync();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "County {County}: unit {Unit} could not sync for 上报", Chain, u);
                return false;
            }
        }));
        if (synced.Contains(false))
        {
            throw new UnavailableException("部分单位已保存的数据尚未汇总到县级，本次上报未完成，请稍后重试。");
        }
    }

    /// <summary>After a scheme change, counts each unit's missing values again from the unit's own latest values.</summary>
    private async Task RecountMissingAsync()
    {
        var required = S.RequiredUnitCodes;
        var units = S.UnitVersions.Keys.Where(u => u is not GrainKeys.CountySelf and not GrainKeys.AssessorEntry).ToArray();
        var snapshots = await Task.WhenAll(units.Select(u => GrainFactory.GetGrain<IUnitGrain>(GrainKeys.Unit(_tenant, _county, u, _year)).GetSnapshot()));
        for (var i = 0; i < units.Length; i++)
        {
            if (S.UnitVersions.GetValueOrDefault(units[i]) == snapshots[i].Version && ReferenceEquals(required, S.RequiredUnitCodes))
            {
                var reported = snapshots[i].Values.Where(v => v.Value is not null).ToDictionary(v => v.Code, v => v.Value!.Value, StringComparer.Ordinal);
                S.UnitMissing[units[i]] = Completeness.Missing(required, reported);
            }
        }
    }

    private void Require(CountyAction action, WorkflowCommand command)
    {
        RequireNotRestoring();
        // A stale version first: the caller's view is outdated, whatever the state it would now meet.
        RequireVersion(command.ExpectedVersion);
        if (CountyWorkflow.Check(action, Context()) is { } refused)
        {
            throw new PreconditionException(refused.Reason, refused.Message);
        }
    }

    /// <summary>A write whose request id this county already applied answers with the current view, once it is durable.</summary>
    private async Task<bool> AlreadyAppliedAsync(WorkflowCommand command)
    {
        if (command.RequestId is not { } id || !S.RecentRequests.Contains(id))
        {
            return false;
        }

        await DurableAsync();
        return S.RecentRequests.Contains(id);
    }

    private void Remember(WorkflowCommand command)
    {
        if (command.RequestId is { } id)
        {
            S.RecentRequests.Add(id);
            if (S.RecentRequests.Count > MaxRecentRequests)
            {
                S.RecentRequests.RemoveRange(0, S.RecentRequests.Count - MaxRecentRequests);
            }
        }
    }

    private void RequireVersion(int? expected)
    {
        if (expected is { } v && v != S.Version)
        {
            throw new AbortedException(v, S.Version);
        }
    }

    private void RequireNotRestoring()
    {
        if (_restoring)
        {
            throw new UnavailableException("县级数据正在恢复，请稍后重试。");
        }
    }

    private static void RequireReason(string? reason)
    {
        if (WorkflowText.Reason(reason) is { } problem)
        {
            throw new ValidationFailedException([new FieldError(problem.Field, problem.Description)]);
        }
    }

    private void FactsChanged()
    {
        S.Revision = Math.Max(S.Revision, _highestRevision) + 1;
        _highestRevision = S.Revision;
        S.UpdatedAt = clock.GetUtcNow();
        _values = null;
    }

    private void Audit(AuditEvent e)
    {
        var record = AuditChain.Next(new AuditHead(S.AuditCount, S.AuditHash), e);
        S.PendingAudit.Add(record);
        S.AuditCount = record.Index + 1;
        S.AuditHash = record.Hash;
    }

    private AuditAnchor Head() => new(S.AuditCount, S.AuditHash);

    private CountyWorkflowView View()
    {
        var context = Context();
        bool May(CountyAction a) => CountyWorkflow.Check(a, context) is null;
        return new CountyWorkflowView(_county, S.Status, S.Phase, S.Version, S.Deadline, S.Extension, S.ReturnReason,
            [.. S.Adjustments], Progress(),
            new CountyPermissions(May(CountyAction.UnitSubmit) && !_submitting, May(CountyAction.SubmitForReview), May(CountyAction.Return),
                May(CountyAction.Approve), May(CountyAction.Adjust), May(CountyAction.Extend), May(CountyAction.AssessorEntry)),
            Head());
    }

    private CountyProgress Progress()
    {
        var units = S.Units.Select(u =>
        {
            var version = S.UnitVersions.GetValueOrDefault(u);
            var at = S.UnitStoredAt.TryGetValue(u, out var t) ? t : (DateTimeOffset?)null;
            var missing = version == 0 ? S.RequiredUnitCodes.Length : S.UnitMissing.GetValueOrDefault(u);
            return new UnitProgress(u, version, at, at is { } stored && S.Deadline is { } deadline && stored > deadline, missing);
        }).ToArray();
        var submitted = units.Count(u => u.Version > 0);
        var late = units.Count(u => u.Late);
        return new CountyProgress(units.Length, submitted, submitted - late, late, units.Sum(u => u.MissingValues), units);
    }

    private static (string? Before, string? After) Diff(IReadOnlyDictionary<string, double> from, IReadOnlyDictionary<string, double> to)
    {
        var codes = from.Keys.Union(to.Keys).Where(c => !(from.TryGetValue(c, out var a) && to.TryGetValue(c, out var b) && a == b))
            .Order(StringComparer.Ordinal).ToArray();
        if (codes.Length == 0)
        {
            return (null, null);
        }

        static string Text(IReadOnlyDictionary<string, double> values, string[] codes) => string.Join("; ",
            codes.Select(c => values.TryGetValue(c, out var v) ? $"{c}={v.ToString("R", CultureInfo.InvariantCulture)}" : $"{c}=未填报"));
        return (Text(from, codes), Text(to, codes));
    }

    private static string? Describe(AdjustmentRecord? a) => a is null
        ? null
        : $"{a.Target} {a.Points.ToString("+0.##;-0.##", CultureInfo.InvariantCulture)} 分：{a.Reason}{(a.Evidence is null ? "" : $"（依据：{a.Evidence}）")}";

    private Dictionary<string, double> Values() => _values ??= CountyAggregate.Values(catalog, S.Cells);

    /// <summary>Joins the next group write and returns when it is durable.</summary>
    private Task PersistAsync()
    {
        _unwritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _unwritten.Task;
        if (!_writing)
        {
            _ = WriteLoopAsync();
        }

        return durable;
    }

    /// <summary>Waits until everything applied so far has been written or has failed; readers then see stored state.</summary>
    private async Task DurableAsync()
    {
        if ((_unwritten ?? _writingBatch) is { } pending)
        {
            try
            {
                await pending.Task;
            }
            catch (UnavailableException)
            {
                // The failed changes were rolled back; what is in memory now is the stored state.
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        _writing = true;
        try
        {
            while (_unwritten is { } batch)
            {
                _unwritten = null;
                _writingBatch = batch;
                try
                {
                    state.State = S.Clone();
                    await state.WriteStateAsync();
                    // Durable from here on, entries included; appending them to the log may wait for a later write.
                    await FlushAuditAsync();
                    await NotifyRoundAsync();
                    batch.SetResult();
                }
                catch (Exception ex)
                {
                    await FailAsync(batch, ex);
                }
            }
        }
        finally
        {
            _writing = false;
            _writingBatch = null;
        }
    }

    /// <summary>
    /// Appends the stored pending entries to the audit log and forgets them in memory (the stored state may keep them
    /// until the next write: appending them again is a no-op). A failure is logged; the next write or activation retries.
    /// </summary>
    private async Task FlushAuditAsync()
    {
        var pending = state.State.PendingAudit;
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            await auditLog.AppendAsync(Chain, pending);
            var flushed = pending[^1].Index;
            S.PendingAudit.RemoveAll(r => r.Index <= flushed);
            state.State.PendingAudit = [];
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "County {County}: appending {Count} stored audit entries failed; will retry with the next write", Chain, pending.Count);
        }
    }

    /// <summary>
    /// Tells the round before the callers hear "done", so a ranking asked for after an acknowledgement includes it.
    /// A failed notice is only logged: the round also asks every county on activation and at least every
    /// <see cref="RoundGrain.SweepInterval"/>.
    /// </summary>
    private async Task NotifyRoundAsync()
    {
        try
        {
            await _round.CountyChanged(_county);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "County {County}: could not tell the round about a change; its next full sweep will find it", Chain);
        }
    }

    private async Task FailAsync(TaskCompletionSource batch, Exception writeError)
    {
        logger.LogWarning(writeError, "County {County}: write failed; restoring the stored state", Chain);
        _restoring = true;
        var later = _unwritten;
        _unwritten = null;
        var error = new UnavailableException("存储暂不可用，本次变更未保存；单位的提交已保存，将自动重试汇总。");
        try
        {
            await state.ReadStateAsync();
            S = state.State.Clone();
            // Revisions only grow, so no reader can mistake the restored state for one it has cached.
            S.Revision = _highestRevision + 1;
            _highestRevision = S.Revision;
            _values = null;
            _restoring = false;
        }
        catch (Exception readError)
        {
            // Memory now holds changes (and audit entries past the stored head) that were never stored: this
            // activation refuses everything from here on (interleaved calls too) and goes away; the next one reads
            // the stored state.
            logger.LogWarning(readError, "County {County}: re-read failed; deactivating", Chain);
            StateWriter.MarkBroken(GrainContext);
        }

        batch.SetException(error);
        later?.SetException(error);
    }
}

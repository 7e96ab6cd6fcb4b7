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
public sealed partial class CountyGrain(
    [PersistentState("county", StorageNames.Counties)] IPersistentState<CountyState> state,
    RoundCatalogs catalogs,
    IAuditLog auditLog,
    TimeProvider clock,
    ILogger<CountyGrain> logger) : Grain, ICountyGrain
{
    /// <summary>Adjustments kept per county-year (keeps the state bounded).</summary>
    public const int MaxAdjustments = 100;

    /// <summary>
    /// Request ids remembered for retries: a county's workflow writes of a whole round (上报, 退回, adjustments, entries)
    /// stay well under this, so a write in doubt resent days later is still recognised (about 9 KB of state at most).
    /// </summary>
    public const int MaxRecentRequests = 256;

    private static readonly Dictionary<string, double> Empty = new(StringComparer.Ordinal);
    private GroupCommit _commit = null!;
    private CountyFactsSnapshot _durable = new(0, Empty, []); // the facts as last stored or read: what the round is told
    private bool _restoring;
    private bool _submitting;
    private int _highestRevision;

    // The grain works on its own copy; a write serializes a snapshot of it, so changes applied by interleaved calls
    // while the storage provider runs (off the grain's scheduler) can never race the serializer.
    private CountyState S { get; set; } = new();

    private IRoundGrain _round = null!;
    private IndicatorCatalog _catalog = IndicatorCatalog.Default; // the year's pinned catalog
    private int _catalogVersion;
    private string _tenant = "";
    private string _county = "";
    private int _year;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenant, _county, _year) = GrainKeys.ParseCounty(this.GetPrimaryKeyString());
        var resolved = await catalogs.ForYearAsync(_tenant, _year);
        (_catalog, _catalogVersion) = (resolved.Catalog, resolved.Version);
        _round = GrainFactory.GetGrain<IRoundGrain>(GrainKeys.Round(_tenant, _year));
        S = state.State.Clone();
        _highestRevision = S.Revision;
        _commit = new GroupCommit(WriteAsync, RestoreAsync);
        Durable(state.State);
        await FlushAuditAsync();
    }

    /// <summary>
    /// What <c>state.State</c> points to between writes. Every write first sets it to a snapshot of <see cref="S"/>, so
    /// this instance is never written or changed; holding the last written snapshot instead would keep a second full
    /// copy of the state in memory per county for nothing (the round's facts are kept in <see cref="_durable"/>).
    /// </summary>
    private static readonly CountyState Released = new();

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
        CountyAggregate.Apply(_catalog, S.Cells, baseValues, change.ToValues);
        S.UnitVersions[change.Unit] = change.ToVersion;
        S.UnitStoredAt[change.Unit] = change.StoredAt;
        S.UnitMissing[change.Unit] = Completeness.Missing(S.RequiredOf(change.Unit), change.ToValues);
        var assessor = change.Unit == GrainKeys.AssessorEntry;
        if (assessor)
        {
            S.Version++;
            Mark(baseValues, change);
        }

        var (before, after) = AuditText.Diff(baseValues, change.ToValues);
        Audit(new AuditEvent(change.StoredAt, change.Actor, assessor ? "assessor_entry" : "submission",
            $"{change.Unit}@{change.ToVersion}", before, after, change.Reason));
        FactsChanged();
        await PersistAsync();
        return change.ToVersion;
    }

    /// <summary>A 考核组 score entered or changed has its 评分人, and any confirmation of the value before it is gone.</summary>
    private void Mark(Dictionary<string, double> before, UnitChange change)
    {
        foreach (var code in before.Keys.Union(change.ToValues.Keys))
        {
            var had = before.TryGetValue(code, out var old);
            var has = change.ToValues.TryGetValue(code, out var now);
            if ((had == has && old == now) || !_catalog.TryGet(code, out var indicator) || indicator.Kind != Domain.Catalog.IndicatorKind.Score)
            {
                continue;
            }

            if (has)
            {
                S.Marks[code] = new PanelMark(now, change.Actor, change.StoredAt, ScorerId: change.ActorId);
            }
            else
            {
                S.Marks.Remove(code);
            }
        }
    }

    public Task<Dictionary<string, PanelMark>> GetPanelMarks() => Task.FromResult(new Dictionary<string, PanelMark>(S.Marks, StringComparer.Ordinal));

    public Task<string?> GetUnitKind(string unit) => Task.FromResult<string?>(
        S.Units.Length == 0 ? null : Array.IndexOf(S.Townships, unit) >= 0 ? UnitKindNames.Township : UnitKindNames.Department);

    public async Task<AuditAnchor> SetSchedule(RoundSchedule schedule)
    {
        if (schedule.Phase < S.Phase
            || (schedule.Phase == S.Phase && schedule.SubmissionDeadline == S.Deadline && schedule.SchemeId == S.SchemeId
                && (schedule.CatalogVersion == 0 || schedule.CatalogVersion == _catalogVersion)))
        {
            await DurableAsync();
            return Head();
        }

        RequireNotRestoring();
        // The round tells its counties when it opens or re-pins the catalog: the pin is read afresh, never from a cache.
        var resolved = await catalogs.ForYearAsync(_tenant, _year, fresh: true);
        (_catalog, _catalogVersion) = (resolved.Catalog, resolved.Version);
        var before = $"{S.Phase} {S.SchemeId}".Trim();
        var townships = schedule.Townships ?? [];
        var townshipCodes = schedule.RequiredTownshipCodes ?? schedule.RequiredUnitCodes;
        var recount = !S.RequiredUnitCodes.SequenceEqual(schedule.RequiredUnitCodes) || !S.Townships.SequenceEqual(townships)
            || !S.RequiredTownshipCodes.SequenceEqual(townshipCodes);
        S.Phase = schedule.Phase;
        S.Deadline = schedule.SubmissionDeadline;
        S.SchemeId = schedule.SchemeId;
        S.Units = schedule.Units;
        S.RequiredUnitCodes = schedule.RequiredUnitCodes;
        S.Townships = townships;
        S.RequiredTownshipCodes = townshipCodes;
        S.ReviewCodes = schedule.ReviewCodes ?? [];
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

    public async Task<CountyWorkflowView> GetWorkflow()
    {
        await DurableAsync();
        return View();
    }

    public async Task<AuditPage> ReadAudit(int from, int count)
    {
        await DurableAsync();
        if (!_commit.Busy)
        {
            await FlushAuditAsync();
        }

        var head = Head();
        var start = Math.Clamp(from, 0, head.Count);
        var records = await auditLog.ReadAsync(Chain, start, Math.Min(head.Count, start + Math.Clamp(count, 0, 1000)));
        return new AuditPage(records.Select(AuditEntryRecord.From).ToArray(), head);
    }

    /// <remarks>
    /// Answers from the last durable state, never from memory: a revision the round caches always stands for stored
    /// facts, so no revision can ever mean two different sets of facts (changes applied in memory may still fail).
    /// </remarks>
    public async Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision)
    {
        await DurableAsync();
        var durable = _durable;
        return knownRevision == durable.Revision && knownRevision != 0 ? null : durable;
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

    /// <summary>After a scheme change, counts each unit's missing values again from the unit's own latest values.</summary>
    private async Task RecountMissingAsync()
    {
        var (required, township) = (S.RequiredUnitCodes, S.RequiredTownshipCodes);
        var units = S.UnitVersions.Keys.Where(u => u is not GrainKeys.CountySelf and not GrainKeys.AssessorEntry).ToArray();
        var snapshots = await Task.WhenAll(units.Select(u => GrainFactory.GetGrain<IUnitGrain>(GrainKeys.Unit(_tenant, _county, u, _year)).GetSnapshot()));
        for (var i = 0; i < units.Length; i++)
        {
            if (S.UnitVersions.GetValueOrDefault(units[i]) == snapshots[i].Version && ReferenceEquals(required, S.RequiredUnitCodes)
                && ReferenceEquals(township, S.RequiredTownshipCodes))
            {
                var reported = snapshots[i].Values.Where(v => v.Value is not null).ToDictionary(v => v.Code, v => v.Value!.Value, StringComparer.Ordinal);
                S.UnitMissing[units[i]] = Completeness.Missing(S.RequiredOf(units[i]), reported);
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

    private void FactsChanged()
    {
        S.Revision = Math.Max(S.Revision, _highestRevision) + 1;
        _highestRevision = S.Revision;
        S.UpdatedAt = clock.GetUtcNow();
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
        var units = S.Standing().Select(u => new UnitProgress(u.Unit, u.Version, u.StoredAt, u.Late, u.Missing)).ToArray();
        var submitted = units.Count(u => u.Version > 0);
        var late = units.Count(u => u.Late);
        return new CountyProgress(units.Length, submitted, submitted - late, late, units.Sum(u => u.MissingValues), units);
    }

    private static string? Describe(AdjustmentRecord? a) => a is null ? null : AuditText.Adjustment(a.Target, a.Points, a.Reason, a.Evidence);

    /// <summary>The aggregated values in memory (computed per read: a few dozen cells, and nothing kept per county).</summary>
    private Dictionary<string, double> Values() => CountyAggregate.Values(_catalog, S.Cells);

    /// <summary>Keeps the facts of the state just stored or read (immutable, handed to the round as they are).</summary>
    private void Durable(CountyState stored) =>
        _durable = stored.StoredFacts ?? stored.Facts(_catalog);

    /// <summary>Joins the next group write and returns when it is durable.</summary>
    private Task PersistAsync() => _commit.JoinAsync();

    /// <summary>Waits until everything applied so far has been written or has failed; readers then see stored state.</summary>
    private Task DurableAsync() => _commit.SettledAsync();

    /// <summary>
    /// One group write: the state with its new audit entries, then the round's notice. The server's storage
    /// (PostgresCountyStorage) writes the entries to the audit log in the state's transaction and empties the written
    /// list; a storage that keeps them inside the state (the grain tests' memory storage, rows written before that
    /// storage) leaves them, and they are appended to the log after the write.
    /// </summary>
    private async Task WriteAsync()
    {
        var snapshot = S.Clone();
        snapshot.StoredFacts = snapshot.Facts(_catalog);
        state.State = snapshot;
        await state.WriteStateAsync();
        Durable(snapshot);
        if (snapshot.PendingAudit.Count == 0)
        {
            S.PendingAudit.RemoveAll(r => r.Index < snapshot.AuditCount);
        }

        S.Compact();
        // Durable from here on, entries included; appending them to the log may wait for a later write.
        await FlushAuditAsync();
        await NotifyRoundAsync();
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
            state.State = Released;
            return;
        }

        try
        {
            await auditLog.AppendAsync(Chain, pending);
            var flushed = pending[^1].Index;
            S.PendingAudit.RemoveAll(r => r.Index <= flushed);
            // The written snapshot is no longer needed: its facts are in _durable and its entries in the log.
            state.State = Released;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "County {County}: appending {Count} stored audit entries failed; will retry with the next write", Chain, pending.Count);
        }
    }

    /// <summary>
    /// Tells the round before the callers hear "done", so a ranking asked for after an acknowledgement includes it.
    /// A failed notice is only logged: the round also asks every county on activation and at least every
    /// <see cref="RankingCache.SweepInterval"/>.
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

    private async Task<Exception> RestoreAsync(Exception writeError)
    {
        logger.LogWarning(writeError, "County {County}: write failed; restoring the stored state", Chain);
        _restoring = true;
        var error = new UnavailableException("存储暂不可用，本次变更未保存；单位的提交已保存，将自动重试汇总。");
        try
        {
            await state.ReadStateAsync();
            Durable(state.State);
            S = state.State.Clone();
            // Revisions only grow, so no reader can mistake the restored state for one it has cached.
            S.Revision = _highestRevision + 1;
            _highestRevision = S.Revision;
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

        return error;
    }
}

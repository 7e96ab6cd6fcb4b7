using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Domain.Catalog;
using Assessment.Domain.Validation;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>A unit's stored state for one year: its latest values and what is needed to bring the county up to date.</summary>
[GenerateSerializer, Alias("assessment.UnitState")]
public sealed class UnitState
{
    [Id(0)] public int Version { get; set; }
    [Id(1)] public Dictionary<string, double> Values { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, string> Notes { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The version the county is known to have applied.</summary>
    [Id(3)] public int ConfirmedVersion { get; set; }
    /// <summary>Values of the versions from <see cref="ConfirmedVersion"/> up to (excluding) <see cref="Version"/>:
    /// the county is at one of them until it confirms.</summary>
    [Id(4)] public List<VersionValues> Unconfirmed { get; set; } = [];
    [Id(5)] public List<ReceiptRecord> Receipts { get; set; } = [];
    [Id(6)] public DateTimeOffset? LastStoredAt { get; set; }
    /// <summary>Who made the latest version, and why (assessor entries), for the county's audit chain.</summary>
    [Id(7)] public string? LastActor { get; set; }
    [Id(8)] public string? LastReason { get; set; }
    /// <summary>The credential behind <see cref="LastActor"/> (who scored, for the 复核 rule that nobody confirms their own).</summary>
    [Id(9), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? LastActorId { get; set; }
}

/// <summary>What is kept of an acknowledged submission to answer its retries.</summary>
[GenerateSerializer, Alias("assessment.ReceiptRecord")]
public sealed class ReceiptRecord
{
    [Id(0)] public Guid Id { get; set; }
    [Id(1)] public string Hash { get; set; } = "";
    [Id(2)] public int Version { get; set; }
    [Id(3)] public int Accepted { get; set; }
    [Id(4)] public int Updated { get; set; }
    [Id(5)] public int Unchanged { get; set; }
    [Id(6)] public int Cleared { get; set; }
    [Id(7)] public DateTimeOffset StoredAt { get; set; }
}

/// <summary>
/// Holds one unit's submissions for a year. A submission is acknowledged only after it is durable; then the change is
/// pushed to the county. If that push fails the change stays pending and is re-applied on the next submission, by a
/// timer while active, on activation, and by a reminder, until the county confirms it.
/// </summary>
public sealed class UnitGrain(
    [PersistentState("unit", StorageNames.Units)] IPersistentState<UnitState> state,
    RoundCatalogs catalogs,
    TimeProvider clock,
    ILogger<UnitGrain> logger) : Grain, IUnitGrain, IRemindable
{
    /// <summary>Receipts kept for answering retries; older ones are dropped first.</summary>
    public const int MaxReceipts = 256;

    /// <summary>Unconfirmed versions allowed before new submissions wait for the county (keeps state bounded).</summary>
    public const int MaxUnconfirmed = 16;

    private const string PushReminder = "push-pending";
    private string _tenant = "";
    private UnitKinds? _kind; // from the county's pinned roster, asked once per activation
    private string _countyId = "";
    private int _year;
    private string _unit = "";
    private ICountyGrain _county = null!;
    private IndicatorSource _submitter;
    private IGrainTimer? _retryTimer;
    private bool _reminderSet;
    private bool _countedPending;

    private UnitState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, county, unit, year) = GrainKeys.ParseUnit(this.GetPrimaryKeyString());
        (_tenant, _countyId, _year) = (tenant, county, year);
        _unit = unit;
        _submitter = unit switch
        {
            GrainKeys.CountySelf => IndicatorSource.County,
            GrainKeys.AssessorEntry => IndicatorSource.Assessor,
            _ => IndicatorSource.Unit,
        };
        _county = GrainFactory.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county, year));
        if (IsPending)
        {
            StartRetryTimer(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    private bool IsPending => S.ConfirmedVersion < S.Version;

    public async Task<SubmissionReceipt> Submit(UnitSubmission submission)
    {
        var hash = PayloadHash(submission.Values);
        var previous = S.Receipts.Find(r => r.Id == submission.SubmissionId);
        if (previous is not null && !submission.DryRun)
        {
            if (previous.Hash != hash)
            {
                throw new ConflictException($"submission_id {submission.SubmissionId} 已用于另一份不同的提交；新的提交请使用新的 submission_id。");
            }

            await TryPushAsync();
            return new SubmissionReceipt(previous.Id, previous.Version, previous.Accepted, previous.Updated, previous.Unchanged,
                previous.Cleared, 0, [], previous.StoredAt, Replayed: true, DryRun: false);
        }

        var values = submission.Values.Select(v => new SubmittedValue(v.Code, v.Value, v.Note)).ToArray();
        // The year's catalog as the round pinned it, and this unit's kind in the pinned roster (乡镇 or 县直部门).
        var resolved = await catalogs.ForYearAsync(_tenant, _year);
        var catalog = resolved.Catalog;
        _kind ??= await catalogs.UnitKindAsync(_tenant, _countyId, _unit, _year);
        var violations = new SubmissionValidator(catalog).Validate(values, _submitter, _kind.Value);
        if (violations.Count == 0)
        {
            // Validated as sent, stored in the one representation the platform keeps (see SubmissionValidator.Normalize).
            submission = submission with
            {
                Values = [.. submission.Values.Select(v => v.Value is { } x ? v with { Value = SubmissionValidator.Normalize(catalog.TryGet(v.Code, out var i) ? i : null, x) } : v)],
            };
        }

        var outcomes = Outcomes(submission.Values, violations);
        if (submission.DryRun)
        {
            // Every check the real call makes: values above, and whether the county takes figures now (round open,
            // deadline, review, roster, expected version) — a dry run that passes means the real call will.
            if (violations.Count == 0 && ChangesAnything(submission, outcomes))
            {
                await _county.Admit(_unit, submission.ExpectedVersion);
            }

            return Receipt(submission.SubmissionId, S.Version, outcomes, clock.GetUtcNow(), dryRun: true);
        }

        if (violations.Count > 0)
        {
            throw new ValidationFailedException(violations.Select(v => new FieldError(v.Field, v.Description)).ToArray());
        }

        if (_submitter == IndicatorSource.Assessor && Domain.Workflow.WorkflowText.Reason(submission.Reason) is { } reasonProblem)
        {
            throw new ValidationFailedException([new FieldError(reasonProblem.Field, "考核办录入指标须说明依据：" + reasonProblem.Description)]);
        }

        // The county decides whether it takes figures now (round open, deadline, review); a refusal stores nothing.
        // A submission that changes no value and no note (e.g. a prefecture table imported as it was generated) is
        // acknowledged as unchanged whatever the county's state: there is nothing for the county to admit.
        if (ChangesAnything(submission, outcomes))
        {
            await _county.Admit(_unit, submission.ExpectedVersion);
        }

        // A county that cannot be reached for many versions must not make this state grow without bound.
        if (IsPending && S.Unconfirmed.Count >= MaxUnconfirmed && !await TryPushAsync())
        {
            throw new UnavailableException("县级汇总暂不可用，本次提交未保存；请稍后使用相同的 submission_id 重试。");
        }

        var now = clock.GetUtcNow();
        var changed = outcomes.Any(o => o.Outcome is ValueOutcome.Accepted or ValueOutcome.Updated or ValueOutcome.Cleared);
        if (changed)
        {
            if (S.Version > 0)
            {
                S.Unconfirmed.Add(new VersionValues(S.Version, new Dictionary<string, double>(S.Values, StringComparer.Ordinal)));
            }

            foreach (var v in submission.Values)
            {
                if (v.Value is { } value)
                {
                    S.Values[v.Code] = value;
                }
                else
                {
                    S.Values.Remove(v.Code);
                }
            }

            S.Version++;
        }

        // Notes do not change the county's figures, but they are the unit's words and are kept even when no value changed.
        foreach (var v in submission.Values)
        {
            if (NoteAfter(submission, v, outcomes) is { } note)
            {
                S.Notes[v.Code] = note;
            }
            else
            {
                S.Notes.Remove(v.Code);
            }
        }

        var receipt = Receipt(submission.SubmissionId, S.Version, outcomes, now, dryRun: false);
        S.Receipts.Add(new ReceiptRecord
        {
            Id = submission.SubmissionId,
            Hash = hash,
            Version = receipt.Version,
            Accepted = receipt.Accepted,
            Updated = receipt.Updated,
            Unchanged = receipt.Unchanged,
            Cleared = receipt.Cleared,
            StoredAt = now,
        });
        if (S.Receipts.Count > MaxReceipts)
        {
            S.Receipts.RemoveRange(0, S.Receipts.Count - MaxReceipts);
        }

        S.LastStoredAt = now;
        if (changed)
        {
            S.LastActor = submission.Actor;
            S.LastActorId = submission.ActorId;
            S.LastReason = submission.Reason;
        }

        await state.WriteOrRestoreAsync(GrainContext, logger);

        // Durable from here on: the answer is an acknowledgement whatever happens to the county push.
        await TryPushAsync();
        return receipt;
    }

    /// <summary>
    /// A value's note once the submission is stored: the one sent; none when none is sent or the value is cleared; the
    /// unit's own when an import (<see cref="UnitSubmission.KeepUnchangedNotes"/>) leaves the value as it was.
    /// </summary>
    private string? NoteAfter(UnitSubmission submission, ValueEntry v, List<ValueOutcomeEntry> outcomes)
    {
        if (string.IsNullOrEmpty(v.Note))
        {
            return submission.KeepUnchangedNotes && outcomes.Exists(o => o.Code == v.Code && o.Outcome == ValueOutcome.Unchanged)
                ? S.Notes.GetValueOrDefault(v.Code)
                : null;
        }

        return v.Value is null ? null : v.Note;
    }

    private bool ChangesAnything(UnitSubmission submission, List<ValueOutcomeEntry> outcomes) =>
        outcomes.Exists(o => o.Outcome is ValueOutcome.Accepted or ValueOutcome.Updated or ValueOutcome.Cleared)
        || submission.Values.Any(v => NoteAfter(submission, v, outcomes) != S.Notes.GetValueOrDefault(v.Code));

    public Task<UnitSnapshot> GetSnapshot() => Task.FromResult(new UnitSnapshot(
        S.Version,
        S.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new ValueEntry(kv.Key, kv.Value, S.Notes.GetValueOrDefault(kv.Key)))
            .ToArray(),
        S.LastStoredAt,
        IsPending,
        S.Receipts.Select(r => new SubmissionLogEntry(r.Id, r.Version, r.StoredAt)).Reverse().ToArray()));

    public Task<bool> Sync() => TryPushAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PushReminder && await TryPushAsync())
        {
            await ClearReminderAsync();
        }
    }

    /// <summary>Brings the county up to the unit's latest version. Returns false (and schedules retries) on failure.</summary>
    private async Task<bool> TryPushAsync()
    {
        if (!IsPending)
        {
            return true;
        }

        var version = S.Version;
        try
        {
            var applied = await _county.ApplyUnitChange(new UnitChange(_unit, version, S.Values, S.Unconfirmed.ToArray(),
                S.LastStoredAt ?? clock.GetUtcNow(), S.LastActor ?? _unit, S.LastReason, S.LastActorId));
            if (applied >= version && S.Version == version)
            {
                // Confirmation is kept in memory only: the persisted state may lag, and a re-push after reactivation
                // is a no-op at the county. This keeps a submission to one write per grain.
                S.ConfirmedVersion = version;
                S.Unconfirmed.Clear();
                if (_countedPending)
                {
                    PlatformMeter.PendingPushes.Add(-1);
                    _countedPending = false;
                }

                _retryTimer?.Dispose();
                _retryTimer = null;
                if (_reminderSet)
                {
                    await ClearReminderAsync();
                }

                return true;
            }
        }
        catch (PreconditionException locked)
        {
            // The county is under review or published: the change waits here (reported as pending) until the county is
            // returned; the reminder tries again each minute, the fast timer stops.
            logger.LogInformation("Version {Version} of {Unit} waits: the county does not take changes now ({Reason})", version, this.GetPrimaryKeyString(), locked.Reason);
            _retryTimer?.Dispose();
            _retryTimer = null;
            if (locked.Reason == Domain.Workflow.LockReasons.RoundPublished)
            {
                await ClearReminderAsync();
                return false;
            }

            await EnsureReminderAsync();
            return false;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Pushing version {Version} of {Unit} to its county failed; will retry", version, this.GetPrimaryKeyString());
        }

        if (!_countedPending)
        {
            PlatformMeter.PendingPushes.Add(1);
            _countedPending = true;
        }

        StartRetryTimer(TimeSpan.FromSeconds(2));
        await EnsureReminderAsync();
        return false;
    }

    private void StartRetryTimer(TimeSpan due)
    {
        _retryTimer ??= this.RegisterGrainTimer(
            static (grain, _) => grain.TryPushAsync(),
            this,
            new GrainTimerCreationOptions(due, TimeSpan.FromSeconds(5)) { KeepAlive = true, Interleave = false });
    }

    private async Task EnsureReminderAsync()
    {
        if (_reminderSet)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(PushReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderSet = true;
        }
        catch (Exception ex)
        {
            // The timer and the next activation still retry; the reminder only covers a silo that goes away.
            logger.LogWarning(ex, "Could not register the push reminder for {Unit}", this.GetPrimaryKeyString());
        }
    }

    private async Task ClearReminderAsync()
    {
        try
        {
            var reminder = await this.GetReminder(PushReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderSet = false;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not remove the push reminder for {Unit}", this.GetPrimaryKeyString());
        }
    }

    private List<ValueOutcomeEntry> Outcomes(ValueEntry[] values, IReadOnlyList<FieldViolation> violations)
    {
        var rejected = new Dictionary<int, string>();
        foreach (var v in violations)
        {
            var index = IndexOf(v.Field);
            if (index >= 0)
            {
                rejected.TryAdd(index, v.Description);
            }
        }

        var outcomes = new List<ValueOutcomeEntry>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (rejected.TryGetValue(i, out var reason))
            {
                outcomes.Add(new(v.Code, ValueOutcome.Rejected, reason));
                continue;
            }

            var had = S.Values.TryGetValue(v.Code, out var old);
            var outcome = v.Value switch
            {
                null => had ? ValueOutcome.Cleared : ValueOutcome.Unchanged,
                { } x when !had => ValueOutcome.Accepted,
                { } x when x == old => ValueOutcome.Unchanged,
                _ => ValueOutcome.Updated,
            };
            outcomes.Add(new(v.Code, outcome));
        }

        return outcomes;
    }

    private static int IndexOf(string field)
    {
        var open = field.IndexOf('[', StringComparison.Ordinal);
        var close = field.IndexOf(']', StringComparison.Ordinal);
        return open >= 0 && close > open && int.TryParse(field.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    private static SubmissionReceipt Receipt(Guid id, int version, List<ValueOutcomeEntry> outcomes, DateTimeOffset at, bool dryRun) =>
        new(id, version,
            outcomes.Count(o => o.Outcome == ValueOutcome.Accepted),
            outcomes.Count(o => o.Outcome == ValueOutcome.Updated),
            outcomes.Count(o => o.Outcome == ValueOutcome.Unchanged),
            outcomes.Count(o => o.Outcome == ValueOutcome.Cleared),
            outcomes.Count(o => o.Outcome == ValueOutcome.Rejected),
            outcomes.ToArray(), at, Replayed: false, DryRun: dryRun);

    /// <summary>A digest of the payload in a canonical order, so a retry matches however the client ordered it.</summary>
    private static string PayloadHash(ValueEntry[] values)
    {
        var text = new StringBuilder();
        foreach (var v in values.OrderBy(v => v.Code, StringComparer.Ordinal))
        {
            text.Append(v.Code).Append('\u001f')
                .Append(v.Value is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "-").Append('\u001f')
                .Append(v.Note).Append('\u001e');
        }

        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 16));
    }
}

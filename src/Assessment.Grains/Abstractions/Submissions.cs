namespace Assessment.Grains.Abstractions;

/// <summary>One submitted value; a null value means "explicitly not reported".</summary>
[GenerateSerializer, Immutable, Alias("assessment.ValueEntry")]
public sealed record ValueEntry([property: Id(0)] string Code, [property: Id(1)] double? Value, [property: Id(2)] string? Note = null);

/// <summary>
/// What a unit sends for one year. <see cref="Actor"/> names the submitter in the county's audit chain; assessor entries
/// also carry a reason and may carry the county version they were based on. <see cref="KeepUnchangedNotes"/> (an
/// assessor's table import, which has no notes column) keeps a unit's note on a value the row leaves as it was.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.UnitSubmission")]
public sealed record UnitSubmission(
    [property: Id(0)] Guid SubmissionId,
    [property: Id(1)] ValueEntry[] Values,
    [property: Id(2)] bool DryRun = false,
    [property: Id(3)] string? Actor = null,
    [property: Id(4)] string? Reason = null,
    [property: Id(5)] int? ExpectedVersion = null,
    [property: Id(6)] bool KeepUnchangedNotes = false,
    [property: Id(7)] string? ActorId = null);

public enum ValueOutcome
{
    Accepted = 1,
    Updated = 2,
    Unchanged = 3,
    Cleared = 4,
    Rejected = 5,
}

[GenerateSerializer, Immutable, Alias("assessment.ValueOutcomeEntry")]
public sealed record ValueOutcomeEntry([property: Id(0)] string Code, [property: Id(1)] ValueOutcome Outcome, [property: Id(2)] string? Reason = null);

/// <summary>
/// The answer to a submission. On a replay (same id, same payload) the counts and version of the first answer come
/// back with <see cref="Replayed"/> set; per-value outcomes are not kept, to keep the unit's state small.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.SubmissionReceipt")]
public sealed record SubmissionReceipt(
    [property: Id(0)] Guid SubmissionId,
    [property: Id(1)] int Version,
    [property: Id(2)] int Accepted,
    [property: Id(3)] int Updated,
    [property: Id(4)] int Unchanged,
    [property: Id(5)] int Cleared,
    [property: Id(6)] int Rejected,
    [property: Id(7)] ValueOutcomeEntry[] Outcomes,
    [property: Id(8)] DateTimeOffset StoredAt,
    [property: Id(9)] bool Replayed,
    [property: Id(10)] bool DryRun);

/// <summary>A unit's latest values.</summary>
[GenerateSerializer, Immutable, Alias("assessment.UnitSnapshot")]
public sealed record UnitSnapshot(
    [property: Id(0)] int Version,
    [property: Id(1)] ValueEntry[] Values,
    [property: Id(2)] DateTimeOffset? LastStoredAt,
    [property: Id(3)] bool CountyPending,
    [property: Id(4)] SubmissionLogEntry[] Recent);

/// <summary>One acknowledged submission as its unit sees it in its history (the most recent ones are kept).</summary>
[GenerateSerializer, Immutable, Alias("assessment.SubmissionLogEntry")]
public sealed record SubmissionLogEntry([property: Id(0)] Guid SubmissionId, [property: Id(1)] int Version, [property: Id(2)] DateTimeOffset StoredAt);

/// <summary>
/// A unit's change as the county applies it: the new values of <see cref="ToVersion"/> and the values of every earlier
/// version the county may still be at (the last confirmed one and any unconfirmed ones), so that the county can
/// compute the exact difference from wherever it is.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.UnitChange")]
public sealed record UnitChange(
    [property: Id(0)] string Unit,
    [property: Id(1)] int ToVersion,
    [property: Id(2)] Dictionary<string, double> ToValues,
    [property: Id(3)] VersionValues[] Bases,
    [property: Id(4)] DateTimeOffset StoredAt,
    [property: Id(5)] string Actor,
    [property: Id(6)] string? Reason = null,
    [property: Id(7)] string? ActorId = null);

[GenerateSerializer, Immutable, Alias("assessment.VersionValues")]
public sealed record VersionValues([property: Id(0)] int Version, [property: Id(1)] Dictionary<string, double> Values);

/// <summary>What scoring needs of a county: its aggregated values at a revision.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyFactsSnapshot")]
public sealed record CountyFactsSnapshot(
    [property: Id(0)] int Revision,
    [property: Id(1)] Dictionary<string, double> Values,
    [property: Id(2)] AdjustmentRecord[] Adjustments);

/// <summary>A county's aggregate with the number of reporters per indicator and each unit's applied version.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyAggregateView")]
public sealed record CountyAggregateView(
    [property: Id(0)] int Revision,
    [property: Id(1)] Dictionary<string, double> Values,
    [property: Id(2)] Dictionary<string, int> Reporters,
    [property: Id(3)] Dictionary<string, int> UnitVersions);

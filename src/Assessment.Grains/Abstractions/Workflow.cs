using Assessment.Domain.Workflow;

namespace Assessment.Grains.Abstractions;

/// <summary>
/// Who asks for a workflow change, why, and at which version of the county they looked (null: no check).
/// <see cref="RequestId"/> names the request: a county applies a request id once (it keeps the recent ones).
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.WorkflowCommand")]
public sealed record WorkflowCommand(
    [property: Id(0)] string Actor,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] int? ExpectedVersion = null,
    [property: Id(3)] Guid? RequestId = null);

/// <summary>Adds (no <see cref="Id"/>), revises or withdraws an assessor's score adjustment.</summary>
[GenerateSerializer, Immutable, Alias("assessment.AdjustmentCommand")]
public sealed record AdjustmentCommand(
    [property: Id(0)] string? Id,
    [property: Id(1)] string Target,
    [property: Id(2)] double Points,
    [property: Id(3)] string? Evidence,
    [property: Id(4)] bool Withdraw,
    [property: Id(5)] WorkflowCommand Command);

/// <summary>A stored adjustment with who made it and when.</summary>
[GenerateSerializer, Immutable, Alias("assessment.AdjustmentRecord")]
public sealed record AdjustmentRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Target,
    [property: Id(2)] double Points,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? Evidence,
    [property: Id(5)] string Actor,
    [property: Id(6)] DateTimeOffset At);

/// <summary>What the round tells each of its counties when its phase, deadline or scheme changes.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundSchedule")]
public sealed record RoundSchedule(
    [property: Id(0)] RoundPhase Phase,
    [property: Id(1)] DateTimeOffset? SubmissionDeadline,
    [property: Id(2)] string SchemeId,
    [property: Id(3)] string[] Units,
    [property: Id(4)] string[] RequiredUnitCodes,
    [property: Id(5)] string Actor,
    [property: Id(6)] int CatalogVersion = 0,
    [property: Id(7)] string[]? Townships = null,
    [property: Id(8)] string[]? RequiredTownshipCodes = null,
    [property: Id(9)] string[]? ReviewCodes = null);

/// <summary>
/// Who scored a 考核组 item of a county (评分人) and who confirmed it (复核人): the mark of the value now entered. A new
/// score clears the confirmation.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.PanelMark")]
public sealed record PanelMark(
    [property: Id(0)] double Value,
    [property: Id(1)] string Scorer,
    [property: Id(2)] DateTimeOffset ScoredAt,
    [property: Id(3)] string? Reviewer = null,
    [property: Id(4)] DateTimeOffset? ReviewedAt = null,
    [property: Id(5)] string? ScorerId = null);

/// <summary>A 复核人 confirms the score <see cref="Value"/> of <see cref="Indicator"/> as they saw it.</summary>
[GenerateSerializer, Immutable, Alias("assessment.ScoreReviewCommand")]
public sealed record ScoreReviewCommand(
    [property: Id(0)] string Indicator,
    [property: Id(1)] double Value,
    [property: Id(2)] WorkflowCommand Command,
    [property: Id(3)] string? ReviewerId = null);

/// <summary>A county-year audit chain's end: entry count and last hash.</summary>
[GenerateSerializer, Immutable, Alias("assessment.AuditAnchor")]
public sealed record AuditAnchor([property: Id(0)] int Count, [property: Id(1)] string Hash);

/// <summary>Entries of a chain in index order, with the chain's current head.</summary>
[GenerateSerializer, Immutable, Alias("assessment.AuditPage")]
public sealed record AuditPage(
    [property: Id(0)] AuditEntryRecord[] Entries,
    [property: Id(1)] AuditAnchor Head);

[GenerateSerializer, Immutable, Alias("assessment.AuditEntryRecord")]
public sealed record AuditEntryRecord(
    [property: Id(0)] int Index,
    [property: Id(1)] string PrevHash,
    [property: Id(2)] string Body,
    [property: Id(3)] string Hash)
{
    public AuditRecord ToDomain() => new(Index, PrevHash, Body, Hash);

    public static AuditEntryRecord From(AuditRecord r) => new(r.Index, r.PrevHash, r.Body, r.Hash);
}

/// <summary>One roster unit's completeness and timeliness.</summary>
[GenerateSerializer, Immutable, Alias("assessment.UnitProgress")]
public sealed record UnitProgress(
    [property: Id(0)] string Unit,
    [property: Id(1)] int Version,
    [property: Id(2)] DateTimeOffset? LastStoredAt,
    [property: Id(3)] bool Late,
    [property: Id(4)] int MissingValues);

/// <summary>
/// A county's completeness: units expected (the pinned roster) vs submitted, on time vs late (durable time of the
/// unit's latest submission vs the deadline), values the pinned scheme needs that each unit has not reported.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyProgress")]
public sealed record CountyProgress(
    [property: Id(0)] int UnitsExpected,
    [property: Id(1)] int UnitsSubmitted,
    [property: Id(2)] int OnTime,
    [property: Id(3)] int Late,
    [property: Id(4)] int MissingValues,
    [property: Id(5)] UnitProgress[] Units);

/// <summary>What the caller may do next with a county (state only; the caller's role narrows it further).</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyPermissions")]
public sealed record CountyPermissions(
    [property: Id(0)] bool MaySubmit,
    [property: Id(1)] bool MaySubmitForReview,
    [property: Id(2)] bool MayReturn,
    [property: Id(3)] bool MayApprove,
    [property: Id(4)] bool MayAdjust,
    [property: Id(5)] bool MayExtend,
    [property: Id(6)] bool MayEnterAssessorValues);

/// <summary>A county's workflow state for a year.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyWorkflowView")]
public sealed record CountyWorkflowView(
    [property: Id(0)] string County,
    [property: Id(1)] CountyStatus Status,
    [property: Id(2)] RoundPhase Phase,
    [property: Id(3)] int Version,
    [property: Id(4)] DateTimeOffset? Deadline,
    [property: Id(5)] DateTimeOffset? Extension,
    [property: Id(6)] string? ReturnReason,
    [property: Id(7)] AdjustmentRecord[] Adjustments,
    [property: Id(8)] CountyProgress Progress,
    [property: Id(9)] CountyPermissions May,
    [property: Id(10)] AuditAnchor AuditHead);

/// <summary>A round's completeness rolled up over its counties.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundProgress")]
public sealed record RoundProgress(
    [property: Id(0)] int Counties,
    [property: Id(1)] Dictionary<CountyStatus, int> ByStatus,
    [property: Id(2)] int UnitsExpected,
    [property: Id(3)] int UnitsSubmitted,
    [property: Id(4)] int OnTime,
    [property: Id(5)] int Late,
    [property: Id(6)] int MissingValues,
    [property: Id(7)] bool MayDefine,
    [property: Id(8)] bool MayOpen,
    [property: Id(9)] bool MayClose,
    [property: Id(10)] bool MayPublish);

/// <summary>A reminder's finding: which roster units had not submitted at a point before or after the deadline.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundNotification")]
public sealed record RoundNotification(
    [property: Id(0)] int Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] TimeSpan Offset,
    [property: Id(4)] int OverdueCount,
    [property: Id(5)] string[] Overdue,
    [property: Id(6)] bool Delivered);

/// <summary>One county's line on the round overview: where it stands and how complete its figures are.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyBoardRow")]
public sealed record CountyBoardRow(
    [property: Id(0)] string County,
    [property: Id(1)] CountyStatus Status,
    [property: Id(2)] int Version,
    [property: Id(3)] int UnitsExpected,
    [property: Id(4)] int UnitsSubmitted,
    [property: Id(5)] int Late,
    [property: Id(6)] int MissingValues,
    [property: Id(7)] DateTimeOffset? Extension,
    [property: Id(8)] int Adjustments,
    [property: Id(9)] int MaterialsReviewed = 0);

/// <summary>The round overview: totals and one line per county of the roster (in roster order).</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundBoard")]
public sealed record RoundBoard(
    [property: Id(0)] RoundProgress Progress,
    [property: Id(1)] CountyBoardRow[] Counties);

using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;

namespace Assessment.Grains.Abstractions;

/// <summary>
/// What a round will pin when it opens: the scheme text (later edits of the file change nothing), the tenant's
/// catalog version (null: the latest when defined), the roster of counties and units, the submission deadline and the
/// review deadline.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundDefinition")]
public sealed record RoundDefinition(
    [property: Id(0)] string SchemeYaml,
    [property: Id(1)] CountyInfo[] Counties,
    [property: Id(2)] DateTimeOffset SubmissionDeadline,
    [property: Id(3)] DateTimeOffset? ReviewDeadline = null,
    [property: Id(4)] int? CatalogVersion = null);

[GenerateSerializer, Immutable, Alias("assessment.RoundInfo")]
public sealed record RoundInfo(
    [property: Id(0)] int Year,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] string SchemeName,
    [property: Id(3)] CountyInfo[] Counties,
    [property: Id(4)] DateTimeOffset? OpenedAt,
    [property: Id(5)] RoundPhase Phase,
    [property: Id(6)] RoundAuditEntry[] Audit,
    [property: Id(7)] DateTimeOffset SubmissionDeadline,
    [property: Id(8)] DateTimeOffset? ReviewDeadline,
    [property: Id(9)] int Version,
    [property: Id(10)] Dictionary<string, AuditAnchor> PublishedHeads,
    [property: Id(11)] int CatalogVersion = 1)
{
    public bool Published => Phase == RoundPhase.Published;
}

/// <summary>A round-level change (scheme pin, re-pin, quota override, publication): who, when, what, why.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RoundAuditEntry")]
public sealed record RoundAuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string Detail,
    [property: Id(4)] string? Reason);

[GenerateSerializer, Immutable, Alias("assessment.DimensionHeader")]
public sealed record DimensionHeader([property: Id(0)] string Code, [property: Id(1)] string Name, [property: Id(2)] double Weight);

[GenerateSerializer, Immutable, Alias("assessment.RankingRow")]
public sealed record RankingRow(
    [property: Id(0)] int Rank,
    [property: Id(1)] string County,
    [property: Id(2)] string Name,
    [property: Id(3)] double Total,
    [property: Id(4)] string Grade,
    [property: Id(5)] double[] Dimensions,
    [property: Id(6)] bool LimitedByQuota,
    [property: Id(7)] bool Vetoed,
    [property: Id(8)] int? PreviousRank = null,
    [property: Id(9)] double? PreviousTotal = null,
    [property: Id(10)] bool QuotaOverride = false,
    [property: Id(11)] AdjustmentRecord[]? Adjustments = null);

/// <summary>A round's ranking as computed from the counties' current aggregates.</summary>
[GenerateSerializer, Immutable, Alias("assessment.RankingResult")]
public sealed record RankingResult(
    [property: Id(0)] int Year,
    [property: Id(1)] string SchemeId,
    [property: Id(2)] string SchemeName,
    [property: Id(3)] DimensionHeader[] Dimensions,
    [property: Id(4)] RankingRow[] Rows,
    [property: Id(5)] DateTimeOffset ComputedAt,
    [property: Id(6)] string[] Grades,
    [property: Id(7)] GradeLine[]? GradeLines = null);

/// <summary>A grade's lower bound, when every county is graded on the scheme's one scale.</summary>
[GenerateSerializer, Immutable, Alias("assessment.GradeLine")]
public sealed record GradeLine([property: Id(0)] string Grade, [property: Id(1)] double Min);

/// <summary>A county whose rank or grade a draft scheme would change.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyMove")]
public sealed record CountyMove(
    [property: Id(0)] string County,
    [property: Id(1)] string Name,
    [property: Id(2)] int CurrentRank,
    [property: Id(3)] int DraftRank,
    [property: Id(4)] string CurrentGrade,
    [property: Id(5)] string DraftGrade,
    [property: Id(6)] double CurrentTotal,
    [property: Id(7)] double DraftTotal);

/// <summary>What a draft scheme would do to a round, computed without touching the round.</summary>
[GenerateSerializer, Immutable, Alias("assessment.SimulationResult")]
public sealed record SimulationResult(
    [property: Id(0)] RankingResult Draft,
    [property: Id(1)] Dictionary<string, int> GradeCounts,
    [property: Id(2)] CountyMove[] Moved);

/// <summary>One county's score card (domain type, carried as JSON) with its place in the ranking.</summary>
[GenerateSerializer, Immutable, Alias("assessment.CountyScore")]
public sealed record CountyScore(
    [property: Id(0)] ScoreCard Card,
    [property: Id(1)] int Rank,
    [property: Id(2)] string Grade,
    [property: Id(3)] string SchemeId);

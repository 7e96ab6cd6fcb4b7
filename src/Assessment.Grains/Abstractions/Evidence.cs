namespace Assessment.Grains.Abstractions;

/// <summary>
/// A checked, stored file to attach to a unit's figure (its row is written, not yet visible). The quota comes with the
/// command so the county grain, which sees every attachment of its units in turn, keeps it exactly.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.EvidenceAttachment")]
public sealed record EvidenceAttachment(
    [property: Id(0)] Guid FileId,
    [property: Id(1)] string Unit,
    [property: Id(2)] string Indicator,
    [property: Id(3)] string FileName,
    [property: Id(4)] string Sha256,
    [property: Id(5)] long Size,
    [property: Id(6)] string Actor,
    [property: Id(7)] int MaxFilesPerUnit,
    [property: Id(8)] long MaxBytesPerUnit);

/// <summary>Takes a file off its figure, with the reason (a recorded act; the file is kept).</summary>
[GenerateSerializer, Immutable, Alias("assessment.EvidenceRemoval")]
public sealed record EvidenceRemoval(
    [property: Id(0)] Guid FileId,
    [property: Id(1)] string Unit,
    [property: Id(2)] string Indicator,
    [property: Id(3)] string FileName,
    [property: Id(4)] string Sha256,
    [property: Id(5)] long Size,
    [property: Id(6)] string Actor,
    [property: Id(7)] string Reason);

/// <summary>What the 考核组 found reading a line's 佐证材料 (查阅资料).</summary>
[GenerateSerializer]
public enum MaterialsFinding
{
    /// <summary>材料齐全.</summary>
    Complete = 1,

    /// <summary>材料不全: the county is asked for more (a reason says what).</summary>
    Incomplete = 2,

    /// <summary>不予认可: the figure is not accepted as proven (a reason says why; a 核查调整 usually follows).</summary>
    Rejected = 3,
}

/// <summary>A line's finding, who made it and when.</summary>
[GenerateSerializer, Immutable, Alias("assessment.MaterialsReview")]
public sealed record MaterialsReview(
    [property: Id(0)] MaterialsFinding Finding,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string Reviewer,
    [property: Id(3)] DateTimeOffset At);

/// <summary>Marks a line (an indicator of the year's catalog) after reading its 佐证材料.</summary>
[GenerateSerializer, Immutable, Alias("assessment.MaterialsReviewCommand")]
public sealed record MaterialsReviewCommand(
    [property: Id(0)] string Indicator,
    [property: Id(1)] MaterialsFinding Finding,
    [property: Id(2)] WorkflowCommand Command);

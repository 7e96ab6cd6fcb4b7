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

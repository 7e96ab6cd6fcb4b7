using Orleans.Concurrency;

namespace Assessment.Grains.Abstractions;

/// <summary>A publication's 文号 number (n of 〔year〕n号) and 成文日期, allocated once.</summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinIssue")]
public sealed record BulletinIssue([property: Id(0)] int Sequence, [property: Id(1)] DateOnly IssuedOn);

/// <summary>A published bulletin as issued: its documents, byte for byte, with their SHA-256.</summary>
[GenerateSerializer, Immutable, Alias("assessment.PublishedBulletin")]
public sealed record PublishedBulletin(
    [property: Id(0)] BulletinIssue Issue,
    [property: Id(1)] string Html,
    [property: Id(2)] string HtmlSha256,
    [property: Id(3)] string Markdown,
    [property: Id(4)] string MarkdownSha256,
    [property: Id(5)] DateTimeOffset StoredAt);

/// <summary>
/// The results bulletin of one round, once published. Key: <c>tenant/year</c> (the round's). The first documents
/// stored are the publication; every later read returns them unchanged.
/// </summary>
[Alias("assessment.IBulletinGrain")]
public interface IBulletinGrain : IGrainWithStringKey
{
    /// <summary>The publication's number and date: allocated from the tenant's sequence on the first call, then kept.</summary>
    [Alias("Reserve")]
    Task<BulletinIssue> Reserve(DateOnly issuedOn);

    /// <summary>Keeps the documents unless some are kept already; returns what is kept.</summary>
    [Alias("Store")]
    Task<PublishedBulletin> Store(PublishedBulletin documents);

    [Alias("Get")]
    [AlwaysInterleave]
    Task<PublishedBulletin?> Get();
}

/// <summary>
/// A tenant's document numbers for one year of issue (文号 〔year〕n号): n = 1, 2, 3 … across every document the tenant
/// issues that year, never reused. Key: <c>tenant/year</c>.
/// </summary>
[Alias("assessment.IDocumentNumberGrain")]
public interface IDocumentNumberGrain : IGrainWithStringKey
{
    [Alias("Next")]
    Task<int> Next();
}

using Orleans.Concurrency;

namespace Assessment.Grains.Abstractions;

/// <summary>A publication's 文号 number (n of 〔year〕n号) and 成文日期, allocated once.</summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinIssue")]
public sealed record BulletinIssue([property: Id(0)] int Sequence, [property: Id(1)] DateOnly IssuedOn);

/// <summary>A withdrawal (撤回) of an issued bulletin: who, when, why. The document itself stays.</summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinWithdrawal")]
public sealed record BulletinWithdrawal([property: Id(0)] DateTimeOffset At, [property: Id(1)] string Actor, [property: Id(2)] string Reason);

/// <summary>
/// A bulletin as sent to one recipient of the distribution list: when it was sent, first opened and first downloaded,
/// and the SHA-256 of the personal (watermarked) copies delivered.
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinDelivery")]
public sealed record BulletinDelivery(
    [property: Id(0)] BulletinRecipient Recipient,
    [property: Id(1)] DateTimeOffset SentAt,
    [property: Id(2)] DateTimeOffset? OpenedAt = null,
    [property: Id(3)] DateTimeOffset? DownloadedAt = null,
    [property: Id(4)] string? OpenedSha256 = null,
    [property: Id(5)] string? DownloadedSha256 = null,
    [property: Id(6)] DateTimeOffset? RemindedAt = null);

/// <summary>
/// One issued bulletin (the results bulletin, or a 更正通报 that corrects the one before it): its documents byte for
/// byte with their SHA-256, the data they were rendered from (JSON), its 文号, and what happened to it since
/// (withdrawal, PDF kept, deliveries).
/// </summary>
[GenerateSerializer, Immutable, Alias("assessment.PublishedBulletin")]
public sealed record PublishedBulletin(
    [property: Id(0)] BulletinIssue Issue,
    [property: Id(1)] string Html,
    [property: Id(2)] string HtmlSha256,
    [property: Id(3)] string Markdown,
    [property: Id(4)] string MarkdownSha256,
    [property: Id(5)] DateTimeOffset StoredAt,
    [property: Id(6)] string Number = "",
    [property: Id(7)] string Title = "",
    [property: Id(8)] string? Corrects = null,
    [property: Id(9)] string? CorrectionReason = null,
    [property: Id(10)] BulletinWithdrawal? Withdrawn = null,
    [property: Id(11)] byte[]? Pdf = null,
    [property: Id(12)] string? PdfSha256 = null,
    [property: Id(13)] BulletinDelivery[]? Deliveries = null,
    [property: Id(14)] string? Model = null,
    [property: Id(15)] string? ModelSha256 = null)
{
    public BulletinDelivery? Delivery(string recipient) => Deliveries is null ? null : Array.Find(Deliveries, d => d.Recipient.Id == recipient);
}

/// <summary>A round's bulletins in order of issue: the results bulletin first, then each correction.</summary>
[GenerateSerializer, Immutable, Alias("assessment.BulletinRecord")]
public sealed record BulletinRecord(
    [property: Id(0)] PublishedBulletin[] Editions,
    [property: Id(1)] RoundAuditEntry[] Audit,
    [property: Id(2)] BulletinIssue? Pending)
{
    /// <summary>The bulletin in force: the newest edition (withdrawn when no correction followed its withdrawal).</summary>
    public PublishedBulletin? Current => Editions.Length == 0 ? null : Editions[^1];
}

/// <summary>What a receipt records: a recipient opened (read on screen) or downloaded the personal copy.</summary>
public enum ReceiptKind
{
    Opened = 1,
    Downloaded = 2,
}

/// <summary>
/// The results bulletins of one round. Key: <c>tenant/year</c> (the round's). Each edition is kept as first stored and
/// never deleted: a withdrawal marks it, a correction is a new edition with its own 文号 naming the one it corrects.
/// </summary>
[Alias("assessment.IBulletinGrain")]
public interface IBulletinGrain : IGrainWithStringKey
{
    /// <summary>
    /// The number and date of the edition to issue next: allocated from the tenant's sequence on the first call (the
    /// results bulletin, or a correction once the current edition is withdrawn), then kept until it is stored. Null
    /// when the current edition is in force (nothing to issue).
    /// </summary>
    [Alias("Reserve")]
    Task<BulletinIssue?> Reserve(DateOnly issuedOn);

    /// <summary>Keeps the documents of the reserved edition (and sends it to its recipients); returns what is kept.</summary>
    [Alias("Store")]
    Task<PublishedBulletin> Store(PublishedBulletin documents);

    /// <summary>Keeps the PDF of an edition (1 = the first issued) unless one is kept already; returns the edition.</summary>
    [Alias("StorePdf")]
    Task<PublishedBulletin> StorePdf(int edition, byte[] pdf, string sha256);

    /// <summary>Withdraws the current edition (撤回); a repeat with the same reason is a no-op.</summary>
    [Alias("Withdraw")]
    Task<BulletinRecord> Withdraw(string actor, string reason, DateTimeOffset at);

    /// <summary>Records the first opening or download of an edition by a recipient (later ones change nothing).</summary>
    [Alias("RecordReceipt")]
    Task<BulletinDelivery?> RecordReceipt(int edition, string recipient, ReceiptKind kind, string sha256, DateTimeOffset at);

    /// <summary>Notes a reminder sent to the recipients who have not opened the current edition.</summary>
    [Alias("RecordReminder")]
    Task<BulletinRecord> RecordReminder(string[] recipients, string actor, DateTimeOffset at);

    [Alias("Get")]
    [AlwaysInterleave]
    Task<BulletinRecord> Get();
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

namespace Assessment.Bulletins;

/// <summary>Output formats of a bulletin.</summary>
public enum BulletinFormat
{
    Html,
    Markdown,

    /// <summary>For assessors: an issued bulletin's document hashes and the audit chain heads anchored at publication (Markdown).</summary>
    Verification,
}

/// <summary>A dimension column of the ranking annex.</summary>
public sealed record BulletinDimension(string Code, string Name, double Weight);

/// <summary>One county's row.</summary>
public sealed record BulletinRow(int Rank, string County, string Name, double Total, string Grade, IReadOnlyList<double> Dimensions, bool LimitedByQuota, bool Vetoed, int? PreviousRank = null);

/// <summary>
/// Everything a bulletin shows; all text in here is data and is escaped on output, never parsed as template. A
/// <see cref="Draft"/> (any render before the round is published) carries no 文号 and no date and is marked 征求意见稿.
/// </summary>
public sealed record BulletinInput(
    string TenantName,
    string Issuer,
    string DocumentPrefix,
    string Recipients,
    int Year,
    int Sequence,
    DateOnly IssuedOn,
    bool PublishScores,
    string SchemeName,
    IReadOnlyList<string> Grades,
    IReadOnlyList<BulletinDimension> Dimensions,
    IReadOnlyList<BulletinRow> Rows,
    IReadOnlyList<BulletinAdjustment>? Adjustments = null,
    IReadOnlyList<BulletinAnchor>? Anchors = null,
    bool Draft = false,
    IReadOnlyList<BulletinDocumentHash>? Documents = null);

/// <summary>One issued document of a bulletin and its SHA-256, for the verification sheet.</summary>
public sealed record BulletinDocumentHash(string Format, string Sha256);

/// <summary>An assessor's adjustment as the annex lists it.</summary>
public sealed record BulletinAdjustment(string County, string Target, double Points, string Reason, string? Evidence);

/// <summary>A county's audit chain head at publication: anyone holding the bulletin can check the chain against it.</summary>
public sealed record BulletinAnchor(string County, int Count, string Hash);

/// <summary>A rendered bulletin.</summary>
public sealed record RenderedBulletin(string Content, string MediaType, string Sha256);

/// <summary>A tenant's template broke a limit or failed; the message says how (never internals).</summary>
public sealed class BulletinTemplateException(string message) : Exception(message);

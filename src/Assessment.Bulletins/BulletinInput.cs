using Assessment.Domain.Scoring;
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

/// <summary>One county's row; the previous rank and total are last year's, when the county was ranked then.</summary>
public sealed record BulletinRow(
    int Rank,
    string County,
    string Name,
    double Total,
    string Grade,
    IReadOnlyList<double> Dimensions,
    bool LimitedByQuota,
    bool Vetoed,
    int? PreviousRank = null,
    double? PreviousTotal = null);

/// <summary>A grade's lower bound on the scheme's single scale: drawn as a line on the score chart.</summary>
public sealed record BulletinGradeLine(string Grade, double Min);

/// <summary>How the units reported: drawn on for the 存在问题 paragraph.</summary>
public sealed record BulletinTimeliness(int UnitsExpected, int UnitsSubmitted, int Late, int MissingValues);

/// <summary>The bulletin a correction (更正通报) corrects: its 文号, title and date, and why it was withdrawn.</summary>
public sealed record BulletinCorrection(string Number, string Title, DateOnly IssuedOn, string Reason);

/// <summary>
/// What a prefecture sets for its bulletins (tenant profile): 抄送, 印发机关, 附注, the 下一步要求 paragraphs and the
/// thresholds behind the 存在问题 sentences.
/// </summary>
public sealed record BulletinSettings
{
    public static readonly BulletinSettings Default = new();

    /// <summary>抄送 (版记); empty: no 抄送 line.</summary>
    public string CopyTo { get; init; } = "";

    /// <summary>印发机关 (版记); empty: the 发文机关.</summary>
    public string Printer { get; init; } = "";

    /// <summary>附注: （此件公开发布） when true, （此件不公开） when false.</summary>
    public bool Public { get; init; } = true;

    /// <summary>下一步要求, one paragraph each; empty: a standard paragraph naming the 发文机关.</summary>
    public IReadOnlyList<string> NextSteps { get; init; } = [];

    /// <summary>A dimension is named as weak when the counties' average score rate in it is below this.</summary>
    public double WeakAverage { get; init; } = 0.8;

    /// <summary>A county is named under a weak dimension when its own rate there is below this.</summary>
    public double WeakCounty { get; init; } = 0.6;

    /// <summary>A county is named when its rank fell by at least this many places against last year.</summary>
    public int RankDrop { get; init; } = 3;

    /// <summary>Late units or missing values are named when they reach this share of what was expected.</summary>
    public double LateShare { get; init; } = 0.05;
}

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
    IReadOnlyList<BulletinDocumentHash>? Documents = null)
{
    public BulletinSettings Settings { get; init; } = BulletinSettings.Default;

    /// <summary>Set on a 更正通报: the bulletin it corrects.</summary>
    public BulletinCorrection? Correction { get; init; }

    /// <summary>The grade bounds to draw on the score chart (only when every county is graded on one scale).</summary>
    public IReadOnlyList<BulletinGradeLine> GradeLines { get; init; } = [];

    public BulletinTimeliness? Timeliness { get; init; }

    /// <summary>The round's 细则 as a table, for the 评分细则 annex (its 评分标准 and 考核方式); empty: no such annex.</summary>
    public IReadOnlyList<SchemeTableRow> Standards { get; init; } = [];

    /// <summary>The 文号 as printed, e.g. 某法治办〔2026〕3号; empty on a draft.</summary>
    public string DocumentNumber => Draft ? "" : FormatNumber(DocumentPrefix, IssuedOn.Year, Sequence);

    public static string FormatNumber(string prefix, int year, int sequence) => $"{prefix}〔{year}〕{sequence}号";

    /// <summary>The title of the results bulletin of <paramref name="year"/>.</summary>
    public static string ResultsTitle(int year) => $"关于{year}年度法治政府建设考核结果的通报";
}

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

/// <summary>Markup the platform generated itself (a chart): written into HTML as is, never escaped, never from data.</summary>
public sealed record TrustedMarkup(string Markup)
{
    public override string ToString() => Markup;
}

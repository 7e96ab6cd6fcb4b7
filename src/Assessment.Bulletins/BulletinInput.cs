namespace Assessment.Bulletins;

/// <summary>Output formats of a bulletin.</summary>
public enum BulletinFormat
{
    Html,
    Markdown,
}

/// <summary>A dimension column of the ranking annex.</summary>
public sealed record BulletinDimension(string Code, string Name, double Weight);

/// <summary>One county's row.</summary>
public sealed record BulletinRow(int Rank, string County, string Name, double Total, string Grade, IReadOnlyList<double> Dimensions, bool LimitedByQuota, bool Vetoed, int? PreviousRank = null);

/// <summary>Everything a bulletin shows; all text in here is data and is escaped on output, never parsed as template.</summary>
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
    IReadOnlyList<BulletinRow> Rows);

/// <summary>A rendered bulletin.</summary>
public sealed record RenderedBulletin(string Content, string MediaType, string Sha256);

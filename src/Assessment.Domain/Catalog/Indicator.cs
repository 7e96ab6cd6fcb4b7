namespace Assessment.Domain.Catalog;

/// <summary>What an indicator measures, which decides how values are validated, summed and scored.</summary>
public enum IndicatorKind
{
    /// <summary>An integer ≥ 0.</summary>
    Count,
    /// <summary>A decimal ≥ 0 with a unit (万元, h).</summary>
    Amount,
    /// <summary>A percentage 0–100, computed from parts or reported.</summary>
    Rate,
    /// <summary>Yes (1) or no (0).</summary>
    Flag,
    /// <summary>A count of adverse or notable events, entered by assessors.</summary>
    Event,
    /// <summary>A score 0–100 entered by assessors.</summary>
    Score,
}

/// <summary>Who supplies an indicator's values.</summary>
public enum IndicatorSource
{
    /// <summary>Any subordinate unit; values are aggregated into the county.</summary>
    Unit,
    /// <summary>The county itself; not summed across units.</summary>
    County,
    /// <summary>The prefecture's assessor.</summary>
    Assessor,
    /// <summary>Computed by the platform from other indicators (rates from their parts); nobody submits it.</summary>
    Computed,
}

/// <summary>How values of several units combine into the county value.</summary>
public enum AggregationMode
{
    /// <summary>Values add up.</summary>
    Sum,
    /// <summary>Arithmetic mean over the units that reported.</summary>
    Mean,
    /// <summary>Mean weighted by another indicator of the same unit.</summary>
    Weighted,
    /// <summary>Flags: yes only when every reporting unit says yes.</summary>
    All,
    /// <summary>Flags: yes when any reporting unit says yes.</summary>
    Any,
}

/// <summary>Kinds of subordinate unit an indicator is asked of (roster units carry one kind each).</summary>
[Flags]
public enum UnitKinds
{
    /// <summary>No kind: nobody is asked.</summary>
    None = 0,
    /// <summary>乡镇（街道）.</summary>
    Township = 1,
    /// <summary>县直部门.</summary>
    Department = 2,
    /// <summary>Every kind of unit.</summary>
    All = Township | Department,
}

/// <summary>The roster's names for unit kinds ("township", "department"), as stored with each unit.</summary>
public static class UnitKindNames
{
    public const string Township = "township";
    public const string Department = "department";

    /// <summary>The kind of a roster unit; an unknown or empty name is a department (the roster's default).</summary>
    public static UnitKinds Parse(string? name) => name == Township ? UnitKinds.Township : UnitKinds.Department;

    /// <summary>True when the name is one the roster accepts.</summary>
    public static bool IsKnown(string? name) => name is Township or Department;

    /// <summary>The Chinese word for a kind of unit.</summary>
    public static string Chinese(UnitKinds kind) => kind switch
    {
        UnitKinds.Township => "乡镇（街道）",
        UnitKinds.Department => "县直部门",
        UnitKinds.All => "乡镇（街道）和县直部门",
        _ => "无",
    };
}

/// <summary>
/// One catalog entry. Codes are stable: never renamed or reused once released; an indicator a tenant no longer asks
/// for is <see cref="Retired"/>, so past years' values keep their names.
/// </summary>
public sealed record Indicator(
    string Code,
    string Name,
    IndicatorKind Kind,
    string Dimension,
    IndicatorSource Source,
    AggregationMode Aggregation,
    string? Unit = null,
    string? Numerator = null,
    string? Denominator = null,
    int MinDenominator = 1,
    string? Weight = null,
    string? Note = null,
    string? Guidance = null,
    UnitKinds Reporters = UnitKinds.All,
    bool Retired = false,
    double? Max = null)
{
    /// <summary>Scored by the 考核组 (an assessor-entered score): what the 考核组评分表 shows and a 考核组 member may enter.</summary>
    public bool PanelScored => Source == IndicatorSource.Assessor && Kind == IndicatorKind.Score;

    /// <summary>
    /// The name with its unit of measure as a form shows it, "名称（单位）", once: a name that already ends with its unit
    /// (法治工作经费（万元）) is not given it twice.
    /// </summary>
    public static string Labelled(string name, string? measure) =>
        string.IsNullOrEmpty(measure) || name.EndsWith($"（{measure}）", StringComparison.Ordinal) ? name : $"{name}（{measure}）";

    /// <summary>True when the rate is computed from a numerator and a denominator.</summary>
    public bool IsComputedRate => Kind == IndicatorKind.Rate && Numerator is not null && Denominator is not null;

    /// <summary>True when the indicator's values may come from the given kind of submitter.</summary>
    public bool AcceptsFrom(IndicatorSource submitter) => AcceptsFrom(submitter, UnitKinds.All);

    /// <summary>
    /// True when the indicator's values may come from this submitter, a unit of the given kind (乡镇 or 县直部门) when the
    /// submitter is a unit. A retired indicator is asked of nobody.
    /// </summary>
    public bool AcceptsFrom(IndicatorSource submitter, UnitKinds unitKind) => !Retired && Source switch
    {
        IndicatorSource.Unit => submitter == IndicatorSource.Unit && (Reporters & unitKind) != 0,
        IndicatorSource.County => submitter == IndicatorSource.County,
        IndicatorSource.Assessor => submitter == IndicatorSource.Assessor,
        // A computed rate is the platform's: its parts are reported, never the rate itself (a reported rate would be
        // stored and then ignored beside its parts).
        _ => false,
    };
}

/// <summary>A group of indicators (一级指标).</summary>
public sealed record Dimension(string Code, string Name);

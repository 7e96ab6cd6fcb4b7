namespace Assessment.Domain.Scoring;

/// <summary>How a scored line turns a value into points.</summary>
public enum RuleKind
{
    /// <summary>Full points for yes, none for no.</summary>
    YesNo,
    /// <summary>points × min(1, value / target).</summary>
    TargetRatio,
    /// <summary>0 at lo, full at hi, linear between; lo &gt; hi means lower is better.</summary>
    Linear,
    /// <summary>Full at ≥ n; otherwise minus <c>deduct</c> for each one missing.</summary>
    MinCount,
    /// <summary>Normalised against the tenant's other counties in the same year.</summary>
    PeerRelative,
}

/// <summary>One scored line of a dimension.</summary>
public sealed record SchemeLine(
    string Indicator,
    double Points,
    RuleKind Rule,
    double Target = 100,
    double Lo = 0,
    double Hi = 100,
    int N = 0,
    double Deduct = 0,
    bool Inverted = false,
    int? MinDenominator = null);

/// <summary>A per-event deduction (or, in the bonus band, a per-event bonus).</summary>
public sealed record EventLine(string Indicator, double Per, double Cap);

/// <summary>A dimension (一级指标) of a scheme with its weight and lines.</summary>
public sealed record SchemeDimension(string Code, string Name, double Weight, IReadOnlyList<SchemeLine> Lines, IReadOnlyList<EventLine> Deductions);

/// <summary>A grade band: scores at or above <see cref="Min"/> earn <see cref="Label"/>.</summary>
public sealed record GradeBand(string Label, double Min);

/// <summary>The top grade may go to at most floor(share × counties) counties.</summary>
public sealed record GradeQuota(string Label, double Share);

/// <summary>A tenant's scoring rules for one year (考核评分细则). Immutable once loaded.</summary>
public sealed record Scheme(
    string Code,
    int Version,
    string Name,
    IReadOnlyList<SchemeDimension> Dimensions,
    double DeductionsCap,
    double BonusCap,
    IReadOnlyList<EventLine> Bonus,
    IReadOnlyList<string> Veto,
    IReadOnlyList<GradeBand> Grades,
    GradeQuota? Quota)
{
    /// <summary>The lowest grade (given on a veto).</summary>
    public string LowestGrade => Grades[^1].Label;

    /// <summary>Identifies the exact scheme a round pinned.</summary>
    public string Id => $"{Code}@{Version}";
}

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
    /// <summary>
    /// Scored by the 考核组 (a score indicator entered by assessors, 0 … its maximum): points × score ÷ maximum. Every entry
    /// carries its reason, as every assessor entry does.
    /// </summary>
    Panel,
}

/// <summary>What a line scores when its value was not reported (未填报).</summary>
public enum MissingPolicy
{
    /// <summary>0 points (the default).</summary>
    Zero,
    /// <summary>Not scored: its points go to the dimension's other lines, as for a rate below its minimum denominator.</summary>
    NotScored,
    /// <summary>Full points (for items many counties legitimately do not have, "不涉及的不扣分").</summary>
    Full,
}

/// <summary>
/// One scored line of a dimension (a 三级指标), optionally under a 二级指标 (<see cref="Group"/>), with the 评分标准 text the
/// 细则 prints (<see cref="Standard"/>; generated from the rule when absent) and its 考核方式.
/// </summary>
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
    int? MinDenominator = null,
    double? Cap = null,
    MissingPolicy? Missing = null,
    string? Group = null,
    string? Standard = null,
    AssessmentMethod? Method = null);

/// <summary>A per-event deduction (or, in the bonus band, a per-event bonus).</summary>
public sealed record EventLine(string Indicator, double Per, double Cap);

/// <summary>A dimension (一级指标) of a scheme with its weight and lines.</summary>
public sealed record SchemeDimension(string Code, string Name, double Weight, IReadOnlyList<SchemeLine> Lines, IReadOnlyList<EventLine> Deductions);

/// <summary>A grade band: scores at or above <see cref="Min"/> earn <see cref="Label"/>.</summary>
public sealed record GradeBand(string Label, double Min);

/// <summary>The top grade may go to at most floor(share × counties) counties.</summary>
public sealed record GradeQuota(string Label, double Share);

/// <summary>Grade bands (highest first) and an optional quota; a scheme has one, and may have one per group of counties.</summary>
public sealed record GradeScale(IReadOnlyList<GradeBand> Bands, GradeQuota? Quota)
{
    /// <summary>The lowest grade (given on a veto).</summary>
    public string Lowest => Bands[^1].Label;

    /// <summary>The band a score falls in.</summary>
    public string Band(double total) => Bands.First(b => total >= b.Min || b == Bands[^1]).Label;

    /// <summary>The grade below <paramref name="label"/>.</summary>
    public string Below(string label)
    {
        var index = Bands.ToList().FindIndex(b => b.Label == label);
        return Bands[Math.Min(index + 1, Bands.Count - 1)].Label;
    }
}

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
    GradeQuota? Quota,
    MissingPolicy Missing = MissingPolicy.Zero,
    bool BonusInside = false,
    IReadOnlyDictionary<string, GradeScale>? GroupScales = null)
{
    /// <summary>The lowest grade (given on a veto).</summary>
    public string LowestGrade => Grades[^1].Label;

    /// <summary>The scale of a group of counties (e.g. 区), or the scheme's default scale.</summary>
    public GradeScale Scale(string? group) =>
        group is not null && GroupScales is not null && GroupScales.TryGetValue(group, out var scale) ? scale : new GradeScale(Grades, Quota);

    /// <summary>Every grade label, highest first, over all scales.</summary>
    public IReadOnlyList<string> AllGrades =>
        Grades.Select(g => g.Label).Concat((GroupScales?.Values ?? []).SelectMany(s => s.Bands.Select(b => b.Label))).Distinct().ToArray();

    /// <summary>The most a county can score: 100 plus the bonus band, unless the band is inside the 100.</summary>
    public double MaxTotal => Dimensions.Sum(d => d.Weight) + BonusCap;

    /// <summary>Identifies the exact scheme a round pinned.</summary>
    public string Id => $"{Code}@{Version}";
}

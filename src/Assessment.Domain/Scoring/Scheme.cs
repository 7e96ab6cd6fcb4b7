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
/// 细则 prints (<see cref="Standard"/>; generated from the rule when absent) and its 考核方式. <see cref="Variants"/> gives
/// other 分值 for categories of assessed body (a roster group such as 区): 0 means the category is not assessed on it.
/// <see cref="Review"/> (a line the 考核组 scores) asks a second member to confirm each score (评分人 / 复核人) before the
/// county can be approved.
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
    AssessmentMethod? Method = null,
    IReadOnlyDictionary<string, double>? Variants = null,
    bool Review = false)
{
    /// <summary>The line's 分值 for a county of <paramref name="group"/> (its variant, or the line's own points).</summary>
    public double PointsFor(string? group) =>
        group is not null && Variants is not null && Variants.TryGetValue(group, out var points) ? points : Points;
}

/// <summary>A 二级指标 of a dimension: its name and 分值 (the sum of its lines' points).</summary>
public sealed record SchemeSection(string Name, double Points);

/// <summary>A per-event deduction (or, in the bonus band, a per-event bonus).</summary>
public sealed record EventLine(string Indicator, double Per, double Cap);

/// <summary>
/// A dimension (一级指标) of a scheme with its weight and lines, and the 二级指标 its lines fall under (<see cref="Sections"/>,
/// in order; empty when the 细则 has only two levels).
/// </summary>
public sealed record SchemeDimension(
    string Code, string Name, double Weight, IReadOnlyList<SchemeLine> Lines, IReadOnlyList<EventLine> Deductions,
    IReadOnlyList<SchemeSection>? Sections = null)
{
    /// <summary>The 二级指标 of the dimension (none when its lines carry no group).</summary>
    public IReadOnlyList<SchemeSection> Levels => Sections ?? SchemeSections.Of(Lines, null);

    /// <summary>The dimension's weight for a county of <paramref name="group"/>: the sum of its lines' points for it.</summary>
    public double WeightFor(string? group) => group is null || Lines.All(l => l.Variants is null) ? Weight : Lines.Sum(l => l.PointsFor(group));
}

/// <summary>The 二级指标 lines fall under, derived from the lines themselves.</summary>
public static class SchemeSections
{
    /// <summary>The groups of <paramref name="lines"/> in order of first appearance, each with its lines' points for a category.</summary>
    public static IReadOnlyList<SchemeSection> Of(IEnumerable<SchemeLine> lines, string? group) =>
        lines.Where(l => l.Group is not null)
            .GroupBy(l => l.Group!, StringComparer.Ordinal)
            .Select(g => new SchemeSection(g.Key, g.Sum(l => l.PointsFor(group))))
            .ToArray();
}

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

    /// <summary>The categories of assessed body (roster groups) with 分值 of their own, in name order.</summary>
    public IReadOnlyList<string> Variants =>
        Dimensions.SelectMany(d => d.Lines).SelectMany(l => l.Variants?.Keys ?? []).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Why the scheme does not fit a roster whose counties fall in <paramref name="groups"/>: a category with 分值 of its own
    /// that no county belongs to (a typo would quietly score those counties at the base 分值). Null when it fits.
    /// </summary>
    public string? VariantsOutside(IEnumerable<string?> groups)
    {
        var known = groups.OfType<string>().ToHashSet(StringComparer.Ordinal);
        var unknown = Variants.Where(v => !known.Contains(v)).ToArray();
        return unknown.Length == 0 ? null
            : $"细则为“{string.Join("、", unknown)}”设了分类分值，但名册中没有属于该分组的县（区）" + (known.Count == 0 ? "（名册未设分组）" : $"（现有分组：{string.Join("、", known.Order(StringComparer.Ordinal))}）");
    }

    /// <summary>
    /// The scheme as it scores a county of <paramref name="group"/>: every line at its variant 分值 (a line at 0 left out),
    /// dimension weights the sums. The scheme itself when the group has no variant.
    /// </summary>
    public Scheme For(string? group)
    {
        if (group is null || !Dimensions.Any(d => d.Lines.Any(l => l.Variants?.ContainsKey(group) == true)))
        {
            return this;
        }

        return this with
        {
            Dimensions = Dimensions.Select(d => d with
            {
                Weight = d.WeightFor(group),
                Lines = d.Lines.Where(l => l.PointsFor(group) > 0).Select(l => l with { Points = l.PointsFor(group), Variants = null }).ToArray(),
                Sections = null,
            }).ToArray(),
        };
    }

    /// <summary>Identifies the exact scheme a round pinned.</summary>
    public string Id => $"{Code}@{Version}";
}

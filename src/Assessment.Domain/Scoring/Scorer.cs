using System.Globalization;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Scoring;

/// <summary>The range of a peer-relative line's values across a tenant's counties in one year.</summary>
public readonly record struct PeerRange(double Min, double Max);

/// <summary>
/// The facts of one county that scoring reads: its aggregated values by indicator code, and its roster group (县, 区, …)
/// when the scheme gives that category 分值 of its own.
/// </summary>
public sealed record CountyFacts(string County, IReadOnlyDictionary<string, double> Values, IReadOnlyList<ScoreAdjustment>? Adjustments = null, string? Group = null);

/// <summary>
/// An assessor's verified adjustment (核查扣分/加分): signed points on an indicator line or a dimension, with the reason
/// and an optional evidence reference. It shows in the score explanation and the bulletin annex.
/// </summary>
public sealed record ScoreAdjustment(string Id, string Target, double Points, string Reason, string? Evidence);

/// <summary>Scores counties with a scheme. Pure and deterministic: the same facts always give the same card.</summary>
public sealed class Scorer(IndicatorCatalog catalog, Scheme scheme)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // The scheme as each category with 分值 of its own scores it, made once.
    private readonly Dictionary<string, Scheme> _variants = scheme.Variants.ToDictionary(g => g, scheme.For, StringComparer.Ordinal);

    /// <summary>Scores every county; peer-relative lines are normalised across exactly these counties.</summary>
    /// <param name="counties">The counties of one tenant-year.</param>
    /// <param name="explain">Whether the cards carry their explained lines (a ranking needs only the points: see <see cref="Score"/>).</param>
    public IReadOnlyList<ScoreCard> ScoreAll(IReadOnlyList<CountyFacts> counties, bool explain = true)
    {
        var peers = PeerRanges(counties);
        return counties.Select(c => Score(c, peers, explain)).ToArray();
    }

    /// <summary>The ranges of the scheme's peer-relative lines over a set of counties.</summary>
    public IReadOnlyDictionary<string, PeerRange> PeerRanges(IReadOnlyList<CountyFacts> counties)
    {
        var ranges = new Dictionary<string, PeerRange>(StringComparer.Ordinal);
        foreach (var line in scheme.Dimensions.SelectMany(d => d.Lines).Where(l => l.Rule == RuleKind.PeerRelative))
        {
            var indicator = catalog[line.Indicator];
            var values = counties
                .Select(c => ResolvedValue.Of(indicator, c.Values, line.MinDenominator))
                .Where(v => v.Status == LineStatus.Scored)
                .Select(v => line.Cap is { } cap ? Math.Min(v.Value!.Value, cap) : v.Value!.Value)
                .ToArray();
            if (values.Length > 0)
            {
                ranges[line.Indicator] = new PeerRange(values.Min(), values.Max());
            }
        }

        return ranges;
    }

    /// <summary>Scores one county given the peer ranges of its tenant-year.</summary>
    /// <param name="county">The county's facts.</param>
    /// <param name="peers">The peer ranges of its tenant-year.</param>
    /// <param name="explain">
    /// Whether the card carries its lines, each with its explanation. A ranking reads only the totals and dimension
    /// subtotals; writing 2,850 counties' 100,000 explanations, and keeping the lines alive while all cards are made, is
    /// most of the cost of rescoring. Only a county's own score page and the published scores read lines. Without them
    /// every figure of the card is the same and the dimensions and bonus carry no lines.
    /// </param>
    public ScoreCard Score(CountyFacts county, IReadOnlyDictionary<string, PeerRange> peers, bool explain = true)
    {
        var own = county.Group is not null && _variants.TryGetValue(county.Group, out var variant) ? variant : scheme;
        var dimensions = new List<DimensionScore>(own.Dimensions.Count);
        var deductionBudget = own.DeductionsCap;
        var totalDeductions = 0.0;
        var adjusted = 0.0;
        for (var d = 0; d < own.Dimensions.Count; d++)
        {
            var dimension = own.Dimensions[d];
            var declared = scheme.Dimensions[d]; // the lines as the scheme has them, also those a category is not scored on
            var lines = dimension.Lines.Select(l => ScoreLine(l, county.Values, peers, explain)).ToList();
            var scoredMax = lines.Where(l => l.Status != LineStatus.NotScored).Sum(l => l.Max);
            var earned = lines.Sum(l => l.Points);
            // Points of lines that cannot be scored are redistributed pro rata over the dimension's other lines.
            var subtotal = scoredMax > 0 ? earned * dimension.Weight / scoredMax : dimension.Weight;
            foreach (var deduction in dimension.Deductions)
            {
                var line = DeductionLine(deduction, county.Values, Math.Min(subtotal, deductionBudget), explain);
                if (line is null)
                {
                    continue;
                }

                lines.Add(line);
                subtotal += line.Points;
                deductionBudget += line.Points;
                totalDeductions -= line.Points;
            }

            foreach (var adjustment in county.Adjustments ?? [])
            {
                if (adjustment.Target == dimension.Code || declared.Lines.Any(l => l.Indicator == adjustment.Target))
                {
                    var before = subtotal;
                    subtotal = Math.Clamp(subtotal + adjustment.Points, 0, dimension.Weight);
                    lines.Add(AdjustmentLine(adjustment, subtotal - before, explain));
                    adjusted += subtotal - before;
                }
            }

            dimensions.Add(new DimensionScore(dimension.Code, dimension.Name, dimension.Weight, Round(subtotal), explain ? lines : []));
        }

        // Adjustments on anything else (e.g. a bonus or penalty item) count on the total.
        var other = (county.Adjustments ?? [])
            .Where(a => !scheme.Dimensions.Any(d => a.Target == d.Code || d.Lines.Any(l => l.Indicator == a.Target)))
            .Select(a => AdjustmentLine(a, a.Points, explain))
            .ToList();
        adjusted += other.Sum(l => l.Points);

        var bonusLines = own.Bonus.Select(b => BonusLine(b, county.Values, explain)).OfType<ScoreLine>().ToList();
        var bonus = Math.Min(own.BonusCap, bonusLines.Sum(l => l.Points));
        var veto = own.Veto.FirstOrDefault(code => county.Values.TryGetValue(code, out var v) && v >= 1);
        var total = Round(Math.Max(0, dimensions.Sum(d => d.Points) + bonus + other.Sum(l => l.Points)));
        return new ScoreCard(county.County, total, Round(bonus), Round(totalDeductions), veto is not null,
            veto is null ? null : $"{catalog[veto].Name}，一票否决", dimensions, explain ? [.. bonusLines, .. other] : [], Round(adjusted));
    }

    private static ScoreLine AdjustmentLine(ScoreAdjustment a, double applied, bool explain)
    {
        var kind = a.Points < 0 ? "核查扣分" : "核查加分";
        if (!explain)
        {
            return new ScoreLine(a.Target, kind, "adjustment", LineStatus.Scored, a.Points, null, null, Round(applied), 0, "");
        }

        var evidence = string.IsNullOrEmpty(a.Evidence) ? "" : $"（依据：{a.Evidence}）";
        var clamped = Math.Abs(applied - a.Points) > 1e-9 ? $"，受该项分值范围限制实际计 {F(applied)} 分" : "";
        return new ScoreLine(a.Target, kind, "adjustment", LineStatus.Scored, a.Points, null, null, Round(applied), 0,
            $"{kind} {F(Math.Abs(a.Points))} 分：{a.Reason}{evidence}{clamped}");
    }

    /// <summary>
    /// Scores are official at two decimals: what the bulletin prints is what ranks. Rounding goes through decimal
    /// (15 significant digits) so that 72.875 computed as 72.87499999… still rounds the way a person checking by hand
    /// expects.
    /// </summary>
    public static double Round(double value) => (double)Math.Round((decimal)value, 2, MidpointRounding.AwayFromZero);

    private ScoreLine ScoreLine(SchemeLine line, IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, PeerRange> peers, bool explain)
    {
        var indicator = catalog[line.Indicator];
        var resolved = ResolvedValue.Of(indicator, values, line.MinDenominator);
        var rule = RuleName(line);
        switch (resolved.Status)
        {
            case LineStatus.Missing:
                var policy = line.Missing ?? scheme.Missing;
                return new(line.Indicator, indicator.Name, rule, policy == MissingPolicy.NotScored ? LineStatus.NotScored : LineStatus.Missing, null, null, null,
                    policy == MissingPolicy.Full ? line.Points : 0, line.Points, explain ? MissingExplanation(line, indicator, policy) : "",
                    Standard(line, indicator, explain), Method(line, indicator, explain));
            case LineStatus.NotScored:
                return new(line.Indicator, indicator.Name, rule, LineStatus.NotScored, null, resolved.Numerator, resolved.Denominator, 0, line.Points,
                    explain ? NotScoredExplanation(line, indicator, resolved) : "", Standard(line, indicator, explain), Method(line, indicator, explain));
        }

        var value = resolved.Value!.Value;
        var capped = line.Cap is { } cap ? Math.Min(value, cap) : value;
        var range = peers.TryGetValue(line.Indicator, out var r) ? r : new PeerRange(capped, capped);
        var points = Round(line.Rule switch
        {
            RuleKind.YesNo => value >= 1 ? line.Points : 0,
            RuleKind.TargetRatio => line.Points * Math.Min(1, Math.Max(0, value) / line.Target),
            RuleKind.Linear => line.Points * Linear(value, line.Lo, line.Hi),
            RuleKind.MinCount => value >= line.N ? line.Points : Math.Max(0, line.Points - line.Deduct * (line.N - value)),
            RuleKind.PeerRelative => line.Points * PeerShare(capped, range, line.Inverted),
            RuleKind.Panel => line.Points * Math.Clamp(value / (indicator.Max ?? 100), 0, 1),
            _ => throw new InvalidOperationException($"Unknown rule {line.Rule}."),
        });
        return new(line.Indicator, indicator.Name, rule, LineStatus.Scored, value, resolved.Numerator, resolved.Denominator, points, line.Points,
            explain ? ScoredExplanation(line, indicator, resolved, range, points) : "", Standard(line, indicator, explain), Method(line, indicator, explain));
    }

    // The 评分标准 and 考核方式 are words for people: made only when the card is explained, never on the ranking's hot path.
    private string? Standard(SchemeLine line, Indicator indicator, bool explain) => explain ? ScoringStandard.Of(line, indicator, scheme.Missing) : null;

    private static string? Method(SchemeLine line, Indicator indicator, bool explain) =>
        explain ? ScoringStandard.Chinese(line.Method ?? ScoringStandard.DefaultMethod(indicator)) : null;

    private static string MissingExplanation(SchemeLine line, Indicator indicator, MissingPolicy policy)
    {
        var max = F(line.Points);
        return policy switch
        {
            MissingPolicy.NotScored => $"{indicator.Name}未填报，按细则不计分，{max} 分按比例计入本维度其他指标",
            MissingPolicy.Full => $"{indicator.Name}未填报，按细则不扣分，得 {max}/{max} 分",
            _ => $"{indicator.Name}未填报，得 0/{max} 分",
        };
    }

    private string NotScoredExplanation(SchemeLine line, Indicator indicator, ResolvedValue resolved) =>
        $"{indicator.Name}的分母（{catalog[indicator.Denominator!].Name}）为 {F(resolved.Denominator!.Value)}，低于计分下限 {line.MinDenominator ?? indicator.MinDenominator}，不计分，{F(line.Points)} 分按比例计入本维度其他指标";

    private string ScoredExplanation(SchemeLine line, Indicator indicator, ResolvedValue resolved, PeerRange range, double points)
    {
        var value = resolved.Value!.Value;
        var what = line.Rule == RuleKind.YesNo ? $"{indicator.Name}：{(value >= 1 ? "是" : "否")}" : $"{indicator.Name} {Show(indicator, resolved)}";
        var how = line.Rule switch
        {
            RuleKind.YesNo => "",
            RuleKind.TargetRatio => $"目标 {F(line.Target)}{Suffix(indicator)}，按完成比例计分",
            RuleKind.Linear => $"按 {F(line.Lo)}{Suffix(indicator)}→{F(line.Hi)}{Suffix(indicator)} 线性计分",
            RuleKind.MinCount => $"要求不少于 {line.N}，每少 1 扣 {F(line.Deduct)} 分",
            RuleKind.Panel => $"考核组评分（满分 {F(indicator.Max ?? 100)}），按比例计分",
            _ => (line.Cap is { } c && value > c ? $"（超过 {F(c)} 按 {F(c)} 计）" : "") + (line.Inverted
                ? $"与全市（州）各县比较，越低越好（最低 {F(range.Min)}、最高 {F(range.Max)}）"
                : $"与全市（州）各县比较（最高 {F(range.Max)}），按相对值计分"),
        };
        return $"{what}{(how.Length == 0 ? "" : "，" + how)}，得 {F(points)}/{F(line.Points)} 分";
    }

    private ScoreLine? DeductionLine(EventLine line, IReadOnlyDictionary<string, double> values, double available, bool explain)
    {
        if (!values.TryGetValue(line.Indicator, out var count) || count <= 0)
        {
            return null;
        }

        var indicator = catalog[line.Indicator];
        var wanted = Math.Min(line.Cap, line.Per * count);
        var taken = Round(Math.Max(0, Math.Min(wanted, available)));
        if (!explain)
        {
            return new(line.Indicator, indicator.Name, "event_deduction", LineStatus.Scored, count, null, null, -taken, 0, "");
        }

        var capNote = wanted < line.Per * count ? $"（单项上限 {F(line.Cap)} 分）" : "";
        var floorNote = taken < wanted ? "（扣分不超过本维度得分及扣分总上限）" : "";
        return new(line.Indicator, indicator.Name, "event_deduction", LineStatus.Scored, count, null, null, -taken, 0,
            $"{indicator.Name} {F(count)} 起，每起扣 {F(line.Per)} 分{capNote}，扣 {F(taken)} 分{floorNote}", ScoringStandard.Deduction(line, indicator),
            ScoringStandard.Chinese(ScoringStandard.DefaultMethod(indicator)));
    }

    private ScoreLine? BonusLine(EventLine line, IReadOnlyDictionary<string, double> values, bool explain)
    {
        if (!values.TryGetValue(line.Indicator, out var count) || count <= 0)
        {
            return null;
        }

        var indicator = catalog[line.Indicator];
        var points = Round(Math.Min(line.Cap, line.Per * count));
        return new(line.Indicator, indicator.Name, "bonus", LineStatus.Scored, count, null, null, points, 0, !explain ? "" :
            $"{indicator.Name} {F(count)} 项，每项加 {F(line.Per)} 分，加 {F(points)} 分（加分合计不超过 {F(scheme.BonusCap)} 分）",
            explain ? ScoringStandard.Bonus(line, indicator) : null, explain ? ScoringStandard.Chinese(ScoringStandard.DefaultMethod(indicator)) : null);
    }

    private static double Linear(double value, double lo, double hi)
    {
        var share = (value - lo) / (hi - lo); // also right when lo > hi (lower is better)
        return Math.Clamp(share, 0, 1);
    }

    private static double PeerShare(double value, PeerRange range, bool inverted)
    {
        if (inverted)
        {
            return range.Max == range.Min ? 1 : Math.Clamp((range.Max - value) / (range.Max - range.Min), 0, 1);
        }

        return range.Max <= 0 ? 0 : Math.Clamp(value / range.Max, 0, 1);
    }

    private static string RuleName(SchemeLine line) => line.Rule switch
    {
        RuleKind.YesNo => "yes_no",
        RuleKind.TargetRatio => "target_ratio",
        RuleKind.Linear => "linear",
        RuleKind.MinCount => "min_count",
        RuleKind.PeerRelative => line.Inverted ? "peer_relative_inverted" : "peer_relative",
        RuleKind.Panel => "panel",
        _ => line.Rule.ToString(),
    };

    private string Show(Indicator indicator, ResolvedValue v)
    {
        var text = F(v.Value!.Value) + Suffix(indicator);
        if (v.Numerator is { } n && v.Denominator is { } d)
        {
            text += $"（{F(n)}/{F(d)}）";
        }
        else if (v.Reported && indicator.IsComputedRate)
        {
            text += "（填报值）";
        }

        return text;
    }

    private static string Suffix(Indicator indicator) => indicator.Kind == IndicatorKind.Rate ? "%" : indicator.Unit ?? "";

    /// <summary>Formats a number the way the bulletin prints it: at most two decimals, no trailing zeros.</summary>
    public static string F(double value) => value.ToString("0.##", Inv);
}

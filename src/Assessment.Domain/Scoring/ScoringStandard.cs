using Assessment.Domain.Catalog;

namespace Assessment.Domain.Scoring;

/// <summary>How a 细则 line is assessed (考核方式).</summary>
public enum AssessmentMethod
{
    /// <summary>系统计算: the platform scores the reported figure.</summary>
    System,
    /// <summary>查阅资料: the 考核组 reads the materials.</summary>
    Materials,
    /// <summary>实地核查: the 考核组 checks on site.</summary>
    SiteVisit,
    /// <summary>问卷测评: a survey.</summary>
    Survey,
    /// <summary>日常考核: the year's routine assessment.</summary>
    Routine,
}

/// <summary>
/// The 评分标准 of a 细则 line in the words a 细则 prints them ("不少于 3 次得满分，每少 1 次扣 0.5 分，扣完为止"),
/// generated from the rule and its parameters unless the scheme gives its own text; and the names of the 考核方式.
/// One wording for the county page, the API, the CLI and the 细则 workbook.
/// </summary>
public static class ScoringStandard
{
    /// <summary>The 考核方式 names, as the scheme file and the workbook write them.</summary>
    public static readonly IReadOnlyDictionary<string, AssessmentMethod> MethodNames = new Dictionary<string, AssessmentMethod>(StringComparer.Ordinal)
    {
        ["system"] = AssessmentMethod.System,
        ["materials"] = AssessmentMethod.Materials,
        ["site_visit"] = AssessmentMethod.SiteVisit,
        ["survey"] = AssessmentMethod.Survey,
        ["routine"] = AssessmentMethod.Routine,
    };

    /// <summary>The Chinese name of a 考核方式.</summary>
    public static string Chinese(AssessmentMethod method) => method switch
    {
        AssessmentMethod.Materials => "查阅资料",
        AssessmentMethod.SiteVisit => "实地核查",
        AssessmentMethod.Survey => "问卷测评",
        AssessmentMethod.Routine => "日常考核",
        _ => "系统计算",
    };

    /// <summary>The method a line is assessed by when the scheme does not say: the 考核组's own scores by reading materials.</summary>
    public static AssessmentMethod DefaultMethod(Indicator indicator) =>
        indicator.Source == IndicatorSource.Assessor ? AssessmentMethod.Materials : AssessmentMethod.System;

    /// <summary>The line's 评分标准: the scheme's own text, or one generated from its rule.</summary>
    public static string Of(SchemeLine line, Indicator indicator, MissingPolicy schemeMissing = MissingPolicy.Zero)
    {
        if (!string.IsNullOrWhiteSpace(line.Standard))
        {
            return line.Standard;
        }

        var p = F(line.Points);
        var u = Suffix(indicator);
        var text = line.Rule switch
        {
            RuleKind.YesNo => $"{(indicator.Kind == IndicatorKind.Flag ? "符合要求" : "有")}得 {p} 分，否则不得分",
            RuleKind.TargetRatio => $"达到 {F(line.Target)}{u} 得满分（{p} 分），未达到的按完成比例得分",
            RuleKind.Linear when line.Lo < line.Hi =>
                $"达到 {F(line.Hi)}{u} 得满分（{p} 分），每低 1{Step(indicator)}扣 {F(line.Points / (line.Hi - line.Lo))} 分，{F(line.Lo)}{u} 及以下不得分",
            RuleKind.Linear =>
                $"不高于 {F(line.Hi)}{u} 得满分（{p} 分），每高 1{Step(indicator)}扣 {F(line.Points / (line.Lo - line.Hi))} 分，{F(line.Lo)}{u} 及以上不得分",
            RuleKind.MinCount =>
                $"不少于 {line.N}{Count(indicator)}得满分（{p} 分），每少 1{Count(indicator)}扣 {F(line.Deduct)} 分，扣完为止",
            RuleKind.PeerRelative when line.Inverted =>
                $"与全市各县（区）比较，越低越好：最低者得满分（{p} 分），最高者不得分，其余按相对位置得分",
            RuleKind.Panel =>
                $"由考核组评定（满分 {F(indicator.Max ?? 100)}），按评定分占满分的比例计分，满分 {p} 分；低于满分的须写明扣分理由",
            RuleKind.PeerRelative =>
                $"与全市各县（区）比较：最高者得满分（{p} 分），其余按与最高者之比得分{(line.Cap is { } c ? $"（超过 {F(c)}{u} 按 {F(c)}{u} 计）" : "")}",
            _ => "",
        };
        if (line.MinDenominator is { } min)
        {
            text += $"；基数少于 {min} 时不计分，分值计入本项其他指标";
        }

        text += (line.Missing ?? schemeMissing) switch
        {
            MissingPolicy.NotScored => "；未填报的不计分",
            MissingPolicy.Full => "；不涉及的不扣分",
            _ => "",
        };
        return text;
    }

    /// <summary>A deduction line (每发生 1 起扣 … 分).</summary>
    public static string Deduction(EventLine line, Indicator indicator) =>
        $"每发生 1{Count(indicator, "起")}扣 {F(line.Per)} 分{(line.Cap == double.MaxValue ? "" : $"，最多扣 {F(line.Cap)} 分")}";

    /// <summary>A bonus line.</summary>
    public static string Bonus(EventLine line, Indicator indicator) =>
        $"每 1{Count(indicator, "项")}加 {F(line.Per)} 分{(line.Cap == double.MaxValue ? "" : $"，最多加 {F(line.Cap)} 分")}";

    /// <summary>A veto.</summary>
    public static string Veto(string lowestGrade) => $"出现即一票否决，等次直接定为{lowestGrade}";

    private static string Step(Indicator indicator) => indicator.Kind == IndicatorKind.Rate ? " 个百分点" : Count(indicator);

    private static string Count(Indicator indicator, string fallback = "次") =>
        indicator.Unit is { Length: > 0 and <= 2 } unit && indicator.Kind is IndicatorKind.Count or IndicatorKind.Event ? $" {unit}" : $" {fallback}";

    private static string Suffix(Indicator indicator) => indicator.Kind == IndicatorKind.Rate ? "%" : indicator.Unit ?? "";

    private static string F(double value) => Scorer.F(value);
}

using Assessment.Domain.Catalog;

namespace Assessment.Domain.Scoring;

/// <summary>One row of the 细则 as prefectures publish it: 一级指标 | 二级指标 | 三级指标 | 分值 | 评分标准 | 考核方式.</summary>
public sealed record SchemeTableRow(string Level1, string Level2, string Level3, string Points, string Standard, string Method);

/// <summary>
/// The 细则 as a table (the 考核通知's and the 通报's annex), and the 评分标准 that concern each indicator (shown on the
/// fill-in forms beside the figure). One wording: <see cref="ScoringStandard"/>.
/// </summary>
public static class SchemeTable
{
    /// <summary>The lines of each 一级指标 with their 分值 (and 分值 per category), then deductions, bonus and vetoes.</summary>
    public static IReadOnlyList<SchemeTableRow> Rows(Scheme scheme, IndicatorCatalog catalog)
    {
        var rows = new List<SchemeTableRow>();
        foreach (var d in scheme.Dimensions)
        {
            foreach (var l in d.Lines)
            {
                var indicator = catalog[l.Indicator];
                var variants = l.Variants is { Count: > 0 } v
                    ? "（" + string.Join("，", v.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key} {F(x.Value)}")) + "）"
                    : "";
                rows.Add(new SchemeTableRow(d.Name, l.Group ?? "", indicator.Name, F(l.Points) + variants, ScoringStandard.Of(l, indicator, scheme.Missing),
                    ScoringStandard.Chinese(l.Method ?? ScoringStandard.DefaultMethod(indicator))));
            }

            rows.AddRange(d.Deductions.Select(e => new SchemeTableRow(d.Name, "扣分项", catalog[e.Indicator].Name, "",
                ScoringStandard.Deduction(e, catalog[e.Indicator]), ScoringStandard.Chinese(ScoringStandard.DefaultMethod(catalog[e.Indicator])))));
        }

        rows.AddRange(scheme.Bonus.Select(e => new SchemeTableRow("加分项", "", catalog[e.Indicator].Name, "",
            ScoringStandard.Bonus(e, catalog[e.Indicator]), ScoringStandard.Chinese(ScoringStandard.DefaultMethod(catalog[e.Indicator])))));
        rows.AddRange(scheme.Veto.Select(code => new SchemeTableRow("一票否决", "", catalog[code].Name, "", ScoringStandard.Veto(scheme.LowestGrade),
            ScoringStandard.Chinese(ScoringStandard.DefaultMethod(catalog[code])))));
        return rows;
    }

    /// <summary>
    /// For each indicator the 细则 uses, its 评分标准: of the lines scoring it, and of the rates computed from it ("用于计算
    /// “…”：…"), deductions, bonus and vetoes on it, joined by "；". An indicator the 细则 does not use has no entry.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ByIndicator(Scheme scheme, IndicatorCatalog catalog)
    {
        var parts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string code, string text)
        {
            if (!parts.TryGetValue(code, out var list))
            {
                parts[code] = list = [];
            }

            if (!list.Contains(text, StringComparer.Ordinal))
            {
                list.Add(text);
            }
        }

        foreach (var d in scheme.Dimensions)
        {
            foreach (var l in d.Lines)
            {
                var indicator = catalog[l.Indicator];
                var standard = ScoringStandard.Of(l, indicator, scheme.Missing);
                Add(l.Indicator, standard);
                if (indicator.IsComputedRate)
                {
                    // Both parts: a unit reports the counts a rate is computed from, and is scored through the rate.
                    Add(indicator.Numerator!, $"用于计算“{indicator.Name}”：{standard}");
                    Add(indicator.Denominator!, $"用于计算“{indicator.Name}”：{standard}");
                }
            }

            foreach (var e in d.Deductions)
            {
                Add(e.Indicator, ScoringStandard.Deduction(e, catalog[e.Indicator]));
            }
        }

        foreach (var e in scheme.Bonus)
        {
            Add(e.Indicator, ScoringStandard.Bonus(e, catalog[e.Indicator]));
        }

        foreach (var code in scheme.Veto)
        {
            Add(code, ScoringStandard.Veto(scheme.LowestGrade));
        }

        return parts.ToDictionary(p => p.Key, p => string.Join("；", p.Value), StringComparer.Ordinal);
    }

    private static string F(double value) => Scorer.F(value);
}

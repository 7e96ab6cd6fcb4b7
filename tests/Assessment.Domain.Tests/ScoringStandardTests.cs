using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

/// <summary>The 评分标准 of a 细则 line: the scheme's own words, or plain Chinese generated from the rule.</summary>
public class ScoringStandardTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static string Of(string yamlLine)
    {
        var yaml = OneDimensionScheme.With(yamlLine);
        var scheme = SchemeLoader.Load(yaml, "t.yaml", Catalog);
        var line = scheme.Dimensions[0].Lines[0];
        return ScoringStandard.Of(line, Catalog[line.Indicator], scheme.Missing);
    }

    [Theory]
    [InlineData("{ indicator: org.meetings, points: 100, rule: min_count, n: 3, deduct: 0.5 }", "不少于 3 次得满分（100 分），每少 1 次扣 0.5 分，扣完为止")]
    [InlineData("{ indicator: enforce.case_file_pass_rate, points: 100, rule: linear, lo: 80, hi: 100 }", "达到 100% 得满分（100 分），每低 1 个百分点扣 5 分，80% 及以下不得分")]
    [InlineData("{ indicator: dispute.litigation_loss_rate, points: 100, rule: linear, lo: 20, hi: 0 }", "不高于 0% 得满分（100 分），每高 1 个百分点扣 5 分，20% 及以上不得分")]
    [InlineData("{ indicator: org.leading_group, points: 100, rule: yes_no }", "符合要求得 100 分，否则不得分")]
    [InlineData("{ indicator: org.shufa_rate, points: 100, rule: target_ratio, target: 100 }", "达到 100% 得满分（100 分），未达到的按完成比例得分")]
    [InlineData("{ indicator: pufa.activities, points: 100, rule: peer_relative }", "与全市各县（区）比较：最高者得满分（100 分），其余按与最高者之比得分")]
    [InlineData("{ indicator: dispute.head_appearance_rate, points: 100, rule: target_ratio, target: 100, min_denominator: 3 }", "达到 100% 得满分（100 分），未达到的按完成比例得分；基数少于 3 时不计分，分值计入本项其他指标")]
    [InlineData("{ indicator: org.meetings, points: 100, rule: min_count, n: 3, deduct: 0.5, missing: full }", "不少于 3 次得满分（100 分），每少 1 次扣 0.5 分，扣完为止；不涉及的不扣分")]
    [InlineData("{ indicator: org.meetings, points: 100, rule: min_count, n: 3, deduct: 0.5, standard: \"每季度至少研究 1 次，少 1 次扣 0.5 分\" }", "每季度至少研究 1 次，少 1 次扣 0.5 分")]
    public void A_rule_reads_as_a_细则_prints_it(string line, string expected) => Assert.Equal(expected, Of(line));

    [Theory]
    [InlineData(100, 20)]
    [InlineData(85, 17)]
    [InlineData(0, 0)]
    public void A_panel_line_scores_the_考核组s_mark_as_a_share_of_its_maximum(double mark, double points)
    {
        var yaml = OneDimensionScheme.With("{ indicator: satisfaction.survey_score, points: 20, rule: panel }", "{ indicator: org.leading_group, points: 80, rule: yes_no }");
        var scheme = SchemeLoader.Load(yaml, "t.yaml", Catalog);
        var card = new Scorer(Catalog, scheme).Score(new CountyFacts("c1", new Dictionary<string, double> { ["satisfaction.survey_score"] = mark }), new Dictionary<string, PeerRange>());
        var line = card.Dimensions[0].Lines[0];
        Assert.Equal(points, line.Points, 6);
        Assert.Equal("查阅资料", line.Method);
        Assert.StartsWith("由考核组评定（满分 100）", line.Standard, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("org.meetings")]
    [InlineData("org.leading_group")]
    [InlineData("service.online_rate")]
    public void A_panel_line_on_anything_but_an_assessors_score_is_refused(string indicator)
    {
        var ex = Assert.Throws<DataFileException>(() => Of($"{{ indicator: {indicator}, points: 100, rule: panel }}"));
        Assert.Contains(ex.Problems, p => p.Contains("lines[0].rule", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deduction_or_bonus_without_a_cap_says_no_maximum()
    {
        var indicator = Catalog["decision.unreviewed_issued"];
        Assert.Equal("每发生 1 起扣 1 分", ScoringStandard.Deduction(new EventLine(indicator.Code, 1, double.MaxValue), indicator));
        Assert.Equal("每发生 1 起扣 1 分，最多扣 3 分", ScoringStandard.Deduction(new EventLine(indicator.Code, 1, 3), indicator));
    }

    [Fact]
    public void Every_line_of_the_default_scheme_has_a_standard_and_a_method_on_its_score_card()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var card = new Scorer(Catalog, scheme).Score(new CountyFacts("c1", new Dictionary<string, double>()), new Dictionary<string, PeerRange>());
        Assert.All(card.Dimensions.SelectMany(d => d.Lines).Where(l => l.Rule != "event_deduction"), l =>
        {
            Assert.False(string.IsNullOrWhiteSpace(l.Standard), l.Indicator);
            Assert.Contains(l.Method, new[] { "系统计算", "查阅资料", "实地核查", "问卷测评", "日常考核" });
        });
    }

    [Theory]
    [InlineData("method: guessing", "method")]
    [InlineData("standard: \"\\u202E扣分\"", "standard")]
    [InlineData("group: \"\\u0000二级\"", "group")]
    public void A_bad_method_or_text_is_refused_naming_the_field(string extra, string field)
    {
        var ex = Assert.Throws<DataFileException>(() => Of($"{{ indicator: org.meetings, points: 100, rule: min_count, n: 3, deduct: 0.5, {extra} }}"));
        Assert.Contains(ex.Problems, p => p.Contains($"lines[0].{field}", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_indicator_carries_the_评分标准_of_the_lines_that_score_it_directly_or_through_a_rate_made_from_it()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var table = SchemeTable.ByIndicator(scheme, Catalog);
        foreach (var d in scheme.Dimensions)
        {
            foreach (var l in d.Lines)
            {
                var indicator = Catalog[l.Indicator];
                var standard = ScoringStandard.Of(l, indicator, scheme.Missing);
                Assert.Contains(standard, table[l.Indicator], StringComparison.Ordinal);
                if (indicator.IsComputedRate)
                {
                    Assert.Contains($"用于计算“{indicator.Name}”：{standard}", table[indicator.Numerator!], StringComparison.Ordinal);
                    Assert.Contains($"用于计算“{indicator.Name}”：{standard}", table[indicator.Denominator!], StringComparison.Ordinal);
                }
            }

            foreach (var e in d.Deductions)
            {
                Assert.Contains(ScoringStandard.Deduction(e, Catalog[e.Indicator]), table[e.Indicator], StringComparison.Ordinal);
            }
        }

        // An indicator no line, deduction, bonus or veto uses has no 评分标准 (the form shows none rather than a guess).
        var used = scheme.Dimensions.SelectMany(d => d.Lines.Select(l => l.Indicator).Concat(d.Deductions.Select(e => e.Indicator)))
            .Concat(scheme.Bonus.Select(e => e.Indicator)).Concat(scheme.Veto).ToHashSet(StringComparer.Ordinal);
        var parts = used.Select(c => Catalog[c]).Where(i => i.IsComputedRate).SelectMany(i => new[] { i.Numerator!, i.Denominator! }).ToHashSet(StringComparer.Ordinal);
        var unused = Catalog.Indicators.Where(i => !used.Contains(i.Code) && !parts.Contains(i.Code)).ToList();
        Assert.NotEmpty(unused);
        Assert.All(unused, i => Assert.False(table.ContainsKey(i.Code), i.Code));
        // The annex table has a row per line, deduction, bonus and veto, in the 细则's order.
        var rows = SchemeTable.Rows(scheme, Catalog);
        Assert.Equal(scheme.Dimensions.Sum(d => d.Lines.Count + d.Deductions.Count) + scheme.Bonus.Count + scheme.Veto.Count, rows.Count);
        Assert.Equal(scheme.Dimensions[0].Name, rows[0].Level1);
    }
}

using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

public class ScoringTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static Scheme OneDimension(string lines, string deductions = "") => SchemeLoader.Load($$"""
        code: t
        version: 1
        name: 测试细则
        dimensions:
          - code: d
            name: 维度
            weight: 100
            lines:
        {{lines}}
        {{deductions}}
        grades:
          bands:
            - { label: 优秀, min: 90 }
            - { label: 良好, min: 80 }
            - { label: 合格, min: 60 }
            - { label: 不合格, min: 0 }
          quota: { label: 优秀, share: 0.30 }
        """, "t.yaml", Catalog);

    private static ScoreLine Line(Scheme scheme, Dictionary<string, double> values) =>
        new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", values)])[0].Dimensions[0].Lines[0];

    [Theory]
    [InlineData(60, 0)]
    [InlineData(90, 2.5)]
    [InlineData(98, 4.5)]
    [InlineData(100, 5)]
    public void Linear_scores_zero_at_lo_and_full_at_hi(double rate, double points)
    {
        var scheme = OneDimension("      - { indicator: mediation.success_rate, points: 100, rule: linear, lo: 80, hi: 100 }");
        var line = Line(scheme, new Dictionary<string, double> { ["mediation.success_rate"] = rate });
        Assert.Equal(points * 20, line.Points, 2);
    }

    [Fact]
    public void A_rate_is_computed_from_its_parts_and_explained_with_them()
    {
        var scheme = OneDimension("      - { indicator: mediation.success_rate, points: 100, rule: linear, lo: 90, hi: 98 }");
        var line = Line(scheme, new Dictionary<string, double> { ["mediation.disputes_received"] = 72, ["mediation.disputes_resolved"] = 69, ["mediation.success_rate"] = 95 });
        Assert.Equal(95.83, line.Value);
        Assert.Equal(72.88, line.Points);
        Assert.Equal("调解成功率 95.83%（69/72），按 90%→98% 线性计分，得 72.88/100 分", line.Explanation);
    }

    [Fact]
    public void Target_ratio_min_count_and_yes_no_at_their_edges()
    {
        var target = OneDimension("      - { indicator: enforce.certification_rate, points: 100, rule: target_ratio, target: 100 }");
        Assert.Equal(95, Line(target, new Dictionary<string, double> { ["enforce.staff_total"] = 100, ["enforce.certified_staff"] = 95 }).Points);
        Assert.Equal(100, Line(target, new Dictionary<string, double> { ["enforce.staff_total"] = 100, ["enforce.certified_staff"] = 100 }).Points);

        var minCount = OneDimension("      - { indicator: org.meetings, points: 100, rule: min_count, n: 3, deduct: 40 }");
        Assert.Equal(100, Line(minCount, new Dictionary<string, double> { ["org.meetings"] = 3 }).Points);
        Assert.Equal(60, Line(minCount, new Dictionary<string, double> { ["org.meetings"] = 2 }).Points);
        Assert.Equal(0, Line(minCount, new Dictionary<string, double> { ["org.meetings"] = 0 }).Points); // capped at the line's points

        var yesNo = OneDimension("      - { indicator: org.leading_group, points: 100, rule: yes_no }");
        Assert.Equal(100, Line(yesNo, new Dictionary<string, double> { ["org.leading_group"] = 1 }).Points);
        Assert.Equal(0, Line(yesNo, new Dictionary<string, double> { ["org.leading_group"] = 0 }).Points);
    }

    [Fact]
    public void A_missing_value_scores_zero_and_says_so()
    {
        var scheme = OneDimension("      - { indicator: org.leading_group, points: 100, rule: yes_no }");
        var line = Line(scheme, []);
        Assert.Equal(LineStatus.Missing, line.Status);
        Assert.Equal("成立法治政府建设领导小组未填报，得 0/100 分", line.Explanation);
    }

    [Fact]
    public void A_rate_below_its_minimum_denominator_is_not_scored_and_its_points_go_to_the_other_lines()
    {
        var scheme = OneDimension("""
                  - { indicator: dispute.head_appearance_rate, points: 50, rule: target_ratio, target: 100 }
                  - { indicator: org.leading_group, points: 50, rule: yes_no }
            """);
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", new Dictionary<string, double> { ["dispute.hearings"] = 2, ["dispute.head_appearances"] = 1, ["org.leading_group"] = 1 })])[0];
        Assert.Equal(LineStatus.NotScored, card.Dimensions[0].Lines[0].Status);
        Assert.Contains("低于计分下限 3", card.Dimensions[0].Lines[0].Explanation, StringComparison.Ordinal);
        Assert.Equal(100, card.Total);
    }

    [Fact]
    public void Deductions_are_capped_and_never_take_a_dimension_below_zero()
    {
        var scheme = OneDimension(
            "      - { indicator: org.leading_group, points: 100, rule: yes_no }",
            "    deductions:\n      - { indicator: decision.unreviewed_issued, per: 1, cap: 3 }");
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", new Dictionary<string, double> { ["org.leading_group"] = 1, ["decision.unreviewed_issued"] = 5 })])[0];
        Assert.Equal(97, card.Total);
        Assert.Equal(3, card.Deductions);
        var zero = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", new Dictionary<string, double> { ["org.leading_group"] = 0, ["decision.unreviewed_issued"] = 5 })])[0];
        Assert.Equal(0, zero.Total);
    }

    [Fact]
    public void The_default_scheme_loads_and_its_dimension_subtotals_add_up_to_the_total()
    {
        var scheme = SchemeLoader.Default(Catalog);
        Assert.Equal(100, scheme.Dimensions.Sum(d => d.Weight));
        var values = new Dictionary<string, double>
        {
            ["org.leading_group"] = 1, ["org.meetings"] = 2, ["mediation.disputes_received"] = 72, ["mediation.disputes_resolved"] = 69,
            ["satisfaction.survey_score"] = 88.5, ["bonus.provincial_honours"] = 1, ["pufa.activities"] = 10,
        };
        var cards = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("a", values), new CountyFacts("b", new Dictionary<string, double> { ["pufa.activities"] = 40 })]);
        Assert.Equal(cards[0].Total, Scorer.Round(cards[0].Dimensions.Sum(d => d.Points) + cards[0].Bonus), 2);
        Assert.Equal(1, cards[0].Bonus);
        Assert.Equal(0.75, cards[0].Dimensions.Single(d => d.Code == "study").Lines.Single(l => l.Indicator == "pufa.activities").Points); // 10/40 of 3
    }

    [Theory]
    [InlineData("weight: 100", "weight: 90", "lines add up to 100")]
    [InlineData("rule: yes_no", "rule: linear", "Linear cannot score org.leading_group, a flag")]
    [InlineData("org.leading_group", "org.unknown", "unknown indicator code 'org.unknown'")]
    [InlineData("share: 0.30", "share: 1.5", "is not within 0–1")]
    [InlineData("min: 80", "min: 95", "bands overlap")]
    public void Broken_schemes_are_rejected_naming_the_field(string from, string to, string expected)
    {
        var yaml = """
            code: t
            version: 1
            name: 测试
            dimensions:
              - code: d
                name: 维度
                weight: 100
                lines:
                  - { indicator: org.leading_group, points: 100, rule: yes_no }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 良好, min: 80 }
                - { label: 不合格, min: 0 }
              quota: { label: 优秀, share: 0.30 }
            """.Replace(from, to, StringComparison.Ordinal);
        var ex = Assert.Throws<DataFileException>(() => SchemeLoader.Load(yaml, "s.yaml", Catalog));
        Assert.Contains(ex.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}

public class RankingTests
{
    private static readonly Scheme Scheme = SchemeLoader.Default(IndicatorCatalog.Default);

    private static ScoreCard Card(string county, double total, bool veto = false) => new(county, total, 0, 0, veto, null, [], []);

    [Fact]
    public void Equal_scores_share_a_rank_and_list_in_code_order()
    {
        var ranked = Ranker.Rank(Scheme, [Card("d", 70), Card("b", 85), Card("c", 85), Card("a", 90)]);
        Assert.Equal(["a", "b", "c", "d"], ranked.Select(r => r.County));
        Assert.Equal([1, 2, 2, 4], ranked.Select(r => r.Rank));
    }

    [Fact]
    public void The_top_grade_quota_is_floor_thirty_percent_and_ties_at_the_line_all_drop()
    {
        // 7 counties → at most 2 优秀. Three tie at 95 for places 2–4: all three drop to 良好.
        var ranked = Ranker.Rank(Scheme, [Card("a", 98), Card("b", 95), Card("c", 95), Card("d", 95), Card("e", 91), Card("f", 70), Card("g", 50)]);
        Assert.Equal(["优秀", "良好", "良好", "良好", "良好", "合格", "不合格"], ranked.Select(r => r.Grade));
        Assert.Equal([false, true, true, true, true, false, false], ranked.Select(r => r.LimitedByQuota));
    }

    [Fact]
    public void A_veto_forces_the_lowest_grade_whatever_the_score()
    {
        var ranked = Ranker.Rank(Scheme, [Card("a", 99, veto: true), Card("b", 60)]);
        Assert.Equal("不合格", ranked[0].Grade);
    }
}

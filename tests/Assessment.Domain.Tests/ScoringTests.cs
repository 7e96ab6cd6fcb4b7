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
            ["org.leading_group"] = 1,
            ["org.meetings"] = 2,
            ["mediation.disputes_received"] = 72,
            ["mediation.disputes_resolved"] = 69,
            ["satisfaction.survey_score"] = 88.5,
            ["bonus.provincial_honours"] = 1,
            ["pufa.activities"] = 10,
        };
        var cards = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("a", values), new CountyFacts("b", new Dictionary<string, double> { ["pufa.activities"] = 40 })]);
        Assert.Equal(cards[0].Total, Scorer.Round(cards[0].Dimensions.Sum(d => d.Points) + cards[0].Bonus), 2);
        Assert.Equal(1, cards[0].Bonus);
        Assert.Equal(0.75, cards[0].Dimensions.Single(d => d.Code == "study").Lines.Single(l => l.Indicator == "pufa.activities").Points); // 10/40 of 3
    }

    [Theory]
    [InlineData(10, 100)]
    [InlineData(15, 50)]
    [InlineData(20, 0)]
    [InlineData(25, 0)]
    public void Linear_also_runs_downhill_when_lower_is_better(double rate, double points)
    {
        var scheme = OneDimension("      - { indicator: dispute.litigation_loss_rate, points: 100, rule: linear, lo: 20, hi: 10 }");
        Assert.Equal(points, Line(scheme, new Dictionary<string, double> { ["dispute.litigation_concluded"] = 100, ["dispute.litigation_lost"] = rate }).Points);
    }

    [Fact]
    public void Peer_relative_normalises_across_counties_inverted_and_capped()
    {
        var higher = OneDimension("      - { indicator: pufa.activities, points: 100, rule: peer_relative, cap: 200 }");
        var cards = new Scorer(Catalog, higher).ScoreAll([
            new CountyFacts("a", new Dictionary<string, double> { ["pufa.activities"] = 50 }),
            new CountyFacts("b", new Dictionary<string, double> { ["pufa.activities"] = 100 }),
            new CountyFacts("c", new Dictionary<string, double> { ["pufa.activities"] = 900 })]);
        Assert.Equal([25, 50, 100], cards.Select(c => c.Total));
        Assert.Contains("超过 200 按 200 计", cards[2].Dimensions[0].Lines[0].Explanation, StringComparison.Ordinal);

        var lower = OneDimension("      - { indicator: dispute.litigation_loss_rate, points: 100, rule: peer_relative, inverted: true }");
        var inverted = new Scorer(Catalog, lower).ScoreAll([
            new CountyFacts("a", new Dictionary<string, double> { ["dispute.litigation_concluded"] = 10, ["dispute.litigation_lost"] = 0 }),
            new CountyFacts("b", new Dictionary<string, double> { ["dispute.litigation_concluded"] = 10, ["dispute.litigation_lost"] = 2 }),
            new CountyFacts("c", new Dictionary<string, double> { ["dispute.litigation_concluded"] = 10, ["dispute.litigation_lost"] = 4 })]);
        Assert.Equal([100, 50, 0], inverted.Select(c => c.Total));
    }

    [Fact]
    public void The_bonus_band_is_capped_and_a_veto_is_reported()
    {
        var scheme = SchemeLoader.Default(Catalog);
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("a", new Dictionary<string, double>
        {
            ["bonus.national_honours"] = 2, ["bonus.provincial_honours"] = 1, ["penalty.data_fraud"] = 1,
        })])[0];
        Assert.Equal(3, card.Bonus);
        Assert.True(card.Vetoed);
        Assert.Equal("考核材料弄虚作假（经认定），一票否决", card.VetoReason);
    }

    [Fact]
    public void All_deductions_together_stop_at_the_schemes_cap()
    {
        var scheme = SchemeLoader.Load("""
            code: t
            version: 1
            name: 扣分上限
            deductions_cap: 4
            dimensions:
              - code: a
                name: 甲
                weight: 50
                lines:
                  - { indicator: org.leading_group, points: 50, rule: yes_no }
                deductions:
                  - { indicator: decision.unreviewed_issued, per: 1, cap: 3 }
              - code: b
                name: 乙
                weight: 50
                lines:
                  - { indicator: satisfaction.survey_score, points: 50, rule: linear, lo: 0, hi: 100 }
                deductions:
                  - { indicator: oversight.criticized, per: 1, cap: 3 }
            grades:
              bands:
                - { label: 合格, min: 60 }
                - { label: 不合格, min: 0 }
            """, "t.yaml", Catalog);
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("a", new Dictionary<string, double>
        {
            ["org.leading_group"] = 1, ["satisfaction.survey_score"] = 100, ["decision.unreviewed_issued"] = 3, ["oversight.criticized"] = 3,
        })])[0];
        Assert.Equal(4, card.Deductions);
        Assert.Equal(96, card.Total);
    }

    [Theory]
    [InlineData("zero", 0, 50)]
    [InlineData("full", 50, 100)]
    [InlineData("not_scored", 0, 100)]
    public void The_scheme_decides_what_a_missing_value_scores(string policy, double linePoints, double total)
    {
        var scheme = OneDimension($$"""
                  - { indicator: org.work_plan_issued, points: 50, rule: yes_no, missing: {{policy}} }
                  - { indicator: org.leading_group, points: 50, rule: yes_no }
            """);
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", new Dictionary<string, double> { ["org.leading_group"] = 1 })])[0];
        Assert.Equal(total, card.Total);
        Assert.Contains("未填报", card.Dimensions[0].Lines[0].Explanation, StringComparison.Ordinal);
        Assert.Equal(linePoints, card.Dimensions[0].Lines[0].Points);
    }

    [Theory]
    [InlineData("weight: 100", "weight: 90", "其各项分值合计 100")]
    [InlineData("rule: yes_no", "rule: linear", "计分规则 linear 不能用于是/否类指标 org.leading_group")]
    [InlineData("org.leading_group", "org.unknown", "指标目录中没有“org.unknown”")]
    [InlineData("share: 0.30", "share: 1.5", "不在 0–1 之间")]
    [InlineData("min: 80", "min: 95", "等次分数线重叠")]
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

    [Fact]
    public void Adjustments_change_the_line_dimension_or_total_and_explain_themselves()
    {
        var scheme = OneDimension("""
                  - { indicator: org.work_plan_issued, points: 50, rule: yes_no }
                  - { indicator: org.leading_group, points: 50, rule: yes_no }
            """);
        var values = new Dictionary<string, double> { ["org.leading_group"] = 1, ["org.work_plan_issued"] = 1 };
        ScoreAdjustment[] adjustments =
        [
            new("a1", "org.leading_group", -5, "领导小组未实际运行", "核查记录第3号"),
            new("a2", "d", -2.5, "台账不全", null),
            new("a3", "bonus.experience_promoted", 1, "创新做法获省级推广", null),
        ];
        var card = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", values, adjustments)])[0];
        Assert.Equal(100 - 5 - 2.5 + 1, card.Total);
        Assert.Equal(-6.5, card.Adjusted);
        var lines = card.Dimensions[0].Lines.Where(l => l.Rule == "adjustment").ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal("核查扣分 5 分：领导小组未实际运行（依据：核查记录第3号）", lines[0].Explanation);
        Assert.Contains(card.BonusLines, l => l.Rule == "adjustment" && l.Points == 1);

        // A dimension never goes above its weight or below zero.
        var capped = new Scorer(Catalog, scheme).ScoreAll([new CountyFacts("c", values, [new("a4", "d", 10, "x", null)])])[0];
        Assert.Equal(100, capped.Total);
        Assert.Contains("实际计 0 分", capped.Dimensions[0].Lines[^1].Explanation, StringComparison.Ordinal);
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
    public void An_assessor_override_lets_tied_counties_keep_the_grade_only_within_the_quota()
    {
        // 7 counties → 2 优秀. b, c tie at 95 after a: the tie rule drops both unless one is granted.
        ScoreCard[] cards = [Card("a", 98), Card("b", 95), Card("c", 95), Card("d", 80), Card("e", 70), Card("f", 70), Card("g", 60)];
        var granted = Ranker.Rank(Scheme, cards, quotaOverrides: new HashSet<string> { "c" });
        Assert.Equal(["优秀", "良好", "优秀"], granted.Take(3).Select(r => r.Grade));
        Assert.True(granted[2].QuotaOverride);
        var both = Ranker.Rank(Scheme, cards, quotaOverrides: new HashSet<string> { "b", "c" });
        Assert.Equal(["优秀", "良好", "良好"], both.Take(3).Select(r => r.Grade)); // would exceed the quota: ignored
    }

    [Fact]
    public void Groups_of_counties_are_graded_on_their_own_scales_and_quotas()
    {
        var scheme = SchemeLoader.Default(IndicatorCatalog.Default) with
        {
            GroupScales = new Dictionary<string, GradeScale>
            {
                ["区"] = new([new GradeBand("优秀", 95), new GradeBand("良好", 85), new GradeBand("不合格", 0)], new GradeQuota("优秀", 0.5)),
            },
        };
        var ranked = Ranker.Rank(scheme, [Card("a", 96), Card("b", 92), Card("c", 91), Card("d", 50)],
            new Dictionary<string, string> { ["a"] = "区", ["b"] = "区" });
        // 区: a and b on the 区 scale, one 优秀 allowed; 县: c's 优秀 exceeds floor(30% × 2) = 0.
        Assert.Equal(["优秀", "良好", "良好", "不合格"], ranked.Select(r => r.Grade));
        Assert.Equal([false, false, true, false], ranked.Select(r => r.LimitedByQuota));
    }

    [Fact]
    public void A_veto_forces_the_lowest_grade_whatever_the_score()
    {
        var ranked = Ranker.Rank(Scheme, [Card("a", 99, veto: true), Card("b", 60)]);
        Assert.Equal("不合格", ranked[0].Grade);
    }

}

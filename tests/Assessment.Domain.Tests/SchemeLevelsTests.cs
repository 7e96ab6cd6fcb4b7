using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

/// <summary>
/// The three levels real 指标体系 use (一级 → 二级 → 三级, each with its 分值) and 分值 per category of assessed body (县 and
/// 区 scored differently): loaded, checked with the field each problem concerns, written back alike, and scored.
/// </summary>
public class SchemeLevelsTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static string Scheme(string sections, string lines, string extraDimension = "") => $$"""
        code: t
        version: 1
        name: 测试
        dimensions:
          - code: org
            name: 组织领导
            weight: 60
        {{sections}}    lines:
        {{lines}}  - code: study
            name: 学法用法
            weight: 40
            lines:
              - { indicator: study.exam_participation_rate, points: 40, rule: linear, lo: 80, hi: 100{{extraDimension}} }
        grades:
          bands: [ { label: 优秀, min: 90 }, { label: 合格, min: 0 } ]
        """;

    private const string ThreeLevels = """
            sections:
              - { name: 组织保障, points: 40 }
              - { name: 述法, points: 20 }

        """;

    private const string GroupedLines = """
              - { indicator: org.leading_group, points: 20, rule: yes_no, group: 组织保障 }
              - { indicator: org.meetings, points: 20, rule: min_count, n: 3, deduct: 5, group: 组织保障 }
              - { indicator: org.shufa_rate, points: 20, rule: target_ratio, target: 100, group: 述法 }

        """;

    private static string[] Problems(string yaml) =>
        Assert.Throws<DataFileException>(() => SchemeLoader.Load(yaml, "t.yaml", Catalog)).Problems.ToArray();

    [Fact]
    public void Three_levels_load_with_each_二级指标_and_its_分值_and_write_back_alike()
    {
        var scheme = SchemeLoader.Load(Scheme(ThreeLevels, GroupedLines), "t.yaml", Catalog);
        var org = scheme.Dimensions[0];
        Assert.Equal([new SchemeSection("组织保障", 40), new SchemeSection("述法", 20)], org.Levels);
        var written = SchemeWriter.Write(scheme);
        Assert.Contains("sections:", written);
        Assert.Equal(written, SchemeWriter.Write(SchemeLoader.Load(written, "back.yaml", Catalog)));
    }

    public static TheoryData<string, string, string> BrokenLevels() => new()
    {
        // A 二级指标 whose lines do not add up to its 分值 is named on its points.
        { ThreeLevels.Replace("points: 40", "points: 35"), GroupedLines, "dimensions[0].sections[0].points：为 35，但其下各三级指标分值合计 40" },
        // A line under no declared 二级指标, or under one that is not declared.
        { ThreeLevels, GroupedLines.Replace(", group: 述法", ""), "dimensions[0].lines[2].group：已设二级指标时" },
        { ThreeLevels, GroupedLines.Replace("group: 述法", "group: 述职"), "dimensions[0].lines[2].group：“述职”不是本一级指标已设的二级指标" },
        // A declared 二级指标 with no lines, and one declared twice.
        { ThreeLevels + "      - { name: 空的, points: 0 }\n", GroupedLines, "sections[2].points：二级指标“空的”下没有三级指标" },
        { ThreeLevels + "      - { name: 述法, points: 20 }\n", GroupedLines, "sections[2].name：二级指标“述法”出现两次" },
        // Control characters in a 二级指标 name.
        { ThreeLevels.Replace("name: 述法", "name: \"述\\u202E法\""), GroupedLines, "sections[1].name：二级指标名称" },
    };

    [Theory]
    [MemberData(nameof(BrokenLevels))]
    public void A_broken_hierarchy_is_refused_on_the_field_it_concerns(string sections, string lines, string says)
    {
        var problems = Problems(Scheme(sections, lines));
        Assert.Contains(problems, p => p.Contains(says, StringComparison.Ordinal));
    }

    private const string VariantLines = """
              - { indicator: org.leading_group, points: 20, rule: yes_no }
              - { indicator: org.meetings, points: 20, rule: min_count, n: 3, deduct: 5, variants: { 区: 40 } }
              - { indicator: org.shufa_rate, points: 20, rule: target_ratio, target: 100, variants: { 区: 0 } }

        """;

    [Fact]
    public void A_区_is_scored_with_its_own_分值_and_a_line_at_0_is_not_assessed_for_it()
    {
        var scheme = SchemeLoader.Load(Scheme("", VariantLines), "t.yaml", Catalog);
        Assert.Equal(["区"], scheme.Variants);
        var values = new Dictionary<string, double>
        {
            ["org.leading_group"] = 1, ["org.meetings"] = 3, ["org.shufa_rate"] = 0, ["study.exam_participation_rate"] = 100,
        };
        var scorer = new Scorer(Catalog, scheme);
        var county = scorer.Score(new CountyFacts("c1", values), new Dictionary<string, PeerRange>());
        var district = scorer.Score(new CountyFacts("c2", values, Group: "区"), new Dictionary<string, PeerRange>());

        // The 县 misses 述法 (20 points); the 区 is not assessed on it and scores meetings at 40.
        Assert.Equal(80, county.Total);
        Assert.Equal(100, district.Total);
        Assert.Equal(60, district.Dimensions[0].Weight);
        Assert.DoesNotContain(district.Dimensions[0].Lines, l => l.Indicator == "org.shufa_rate");
        Assert.Contains(county.Dimensions[0].Lines, l => l.Indicator == "org.shufa_rate");

        // An adjustment on a line 区 are not scored on stays within its dimension, never on top of the total.
        var adjusted = scorer.Score(new CountyFacts("c2", values, [new ScoreAdjustment("a1", "org.shufa_rate", 5, "核查加分", null)], "区"), new Dictionary<string, PeerRange>());
        Assert.Equal(100, adjusted.Total);

        // A group without variants scores as the scheme says; the ranking grades each by its total.
        var other = scorer.Score(new CountyFacts("c3", values, Group: "市辖县"), new Dictionary<string, PeerRange>());
        Assert.Equal(county.Total, other.Total);
        var ranked = Ranker.Rank(scheme, [county, district, other], new Dictionary<string, string> { ["c2"] = "区" });
        Assert.Equal("c2", ranked[0].County);

        // A category no county of the roster belongs to is a mistake, named before the scheme is pinned.
        Assert.Null(scheme.VariantsOutside(["区", null]));
        Assert.Contains("“区”", scheme.VariantsOutside(["市辖区", null]), StringComparison.Ordinal);

        var written = SchemeWriter.Write(scheme);
        Assert.Contains("variants: { \"区\": 40 }", written);
        Assert.Equal(written, SchemeWriter.Write(SchemeLoader.Load(written, "back.yaml", Catalog)));
    }

    public static TheoryData<string, string> BrokenVariants() => new()
    {
        // The category's 分值 must reach the same 100 as everyone else's.
        { VariantLines.Replace("区: 40", "区: 30"), "“区”类考核对象的各项分值合计 90，应为 100" },
        { VariantLines.Replace("区: 0", "区: -5"), "dimensions[0].lines[2].variants.区：须为不小于 0 的数字" },
        { VariantLines.Replace("区: 0", "区: 多"), "dimensions[0].lines[2].variants.区：须为不小于 0 的数字" },
        { VariantLines.Replace("variants: { 区: 0 }", "variants: [ 区 ]"), "dimensions[0].lines[2].variants：须为“类别: 分值”的映射" },
        { VariantLines.Replace("variants: { 区: 0 }", "variants: { }"), "dimensions[0].lines[2].variants：须为“类别: 分值”的映射" },
        { VariantLines.Replace("区: 0", "\"区\\u202E\": 0"), "dimensions[0].lines[2].variants：类别名称" },
        { VariantLines.Replace("区: 0", string.Join(", ", Enumerable.Range(0, 9).Select(i => $"g{i}: 0"))), "须为“类别: 分值”的映射（1–8 个类别" },
    };

    [Theory]
    [MemberData(nameof(BrokenVariants))]
    public void A_broken_variant_is_refused_on_its_field(string lines, string says)
    {
        var problems = Problems(Scheme("", lines));
        Assert.Contains(problems, p => p.Contains(says, StringComparison.Ordinal));
    }

    [Fact]
    public void Only_an_item_the_考核组_scores_may_ask_for_复核_and_it_is_written_back()
    {
        var problems = Problems(Scheme("", VariantLines.Replace("rule: yes_no }", "rule: yes_no, review: true }")));
        Assert.Contains(problems, p => p.Contains("dimensions[0].lines[0].review：只有考核组评分（panel）规则可设复核", StringComparison.Ordinal));
        Assert.Contains("review", SchemeRules.Parameters(new SchemeLine("x", 1, RuleKind.Panel, Review: true)).Select(p => p.Key));
    }
}

using System.Text.RegularExpressions;
using Assessment.Bulletins;

namespace Assessment.Domain.Tests;

/// <summary>The bulletin as an official document: text from the data, GB/T 9704 order, charts, corrections, personal copies.</summary>
public partial class BulletinDocumentTests
{
    private static readonly string[] Grades = ["优秀", "良好", "合格", "不合格"];

    private static readonly BulletinDimension[] Dimensions =
        [new("org", "组织领导", 20), new("law", "依法行政", 50), new("sup", "监督问责", 30)];

    /// <summary>A tenant of <paramref name="count"/> counties; every score line given as a rate of its dimension's weight.</summary>
    private static BulletinInput Tenant(int count, Func<int, double[]> rates, Func<int, string>? grade = null, Func<int, bool>? vetoed = null) => new(
        "测试市", "测试市全面依法治市委员会办公室", "测法治办", "各县（区）人民政府，市直各部门", 2025, 3, new DateOnly(2026, 3, 2), true, "测试细则",
        Grades, Dimensions,
        Enumerable.Range(0, count).Select(i =>
        {
            var points = rates(i).Select((r, d) => r * Dimensions[d].Weight).ToArray();
            return new BulletinRow(i + 1, $"c{i}", $"{"甲乙丙丁戊己庚辛壬癸"[i]}县", points.Sum(), grade?.Invoke(i) ?? "优秀", points, false, vetoed?.Invoke(i) ?? false);
        }).ToArray());

    private static string ProblemSection(string html) => html[html.IndexOf("三、存在问题", StringComparison.Ordinal)..html.IndexOf("四、下一步要求", StringComparison.Ordinal)];

    private static readonly string[] ProblemWords = ["不足", "一票否决", "逾期", "未报送", "未填报", "下降", "扣分", "等次为"];

    [Fact]
    public void A_tenant_where_every_county_is_perfect_gets_no_problem_sentence()
    {
        var perfect = Tenant(5, _ => [1, 1, 1]) with { Timeliness = new BulletinTimeliness(40, 40, 0, 0) };
        Assert.Empty(BulletinFindings.Problems(perfect));
        var section = ProblemSection(new BulletinRenderer().Render(perfect, BulletinFormat.Html).Content);
        Assert.Contains("未发现突出的共性问题", section, StringComparison.Ordinal);
        Assert.All(ProblemWords, w => Assert.DoesNotContain(w, section, StringComparison.Ordinal));
        Assert.DoesNotContain("差距", section, StringComparison.Ordinal); // all equal: no gap to speak of
    }

    [Fact]
    public void A_weak_dimension_is_named_with_its_rate_and_the_counties_far_behind_and_nothing_else()
    {
        // 监督问责: 甲 90 %, 乙 70 %, 丙 50 %, 丁 40 % → average 62.5 %; 丙 and 丁 under 60 %.
        double[] sup = [0.9, 0.7, 0.5, 0.4];
        var input = Tenant(4, i => [1, 0.95, sup[i]], i => i < 2 ? "优秀" : "良好");
        var problems = BulletinFindings.Problems(input);
        Assert.Equal("“监督问责”平均得分率为62.5%，丁县、丙县2个县（区）不足60%。", Assert.Single(problems));

        // The tenant's thresholds decide: at 0.6 average nothing is weak.
        Assert.Empty(BulletinFindings.Problems(input with { Settings = new BulletinSettings { WeakAverage = 0.6 } }));
    }

    [Fact]
    public void A_vetoed_county_is_named_with_the_grade_it_gets_and_counties_in_the_lowest_grade_are_counted()
    {
        var input = Tenant(4, _ => [1, 1, 1], i => i switch { 0 => "优秀", 1 => "良好", _ => "不合格" }, i => i == 3);
        var problems = BulletinFindings.Problems(input);
        Assert.Equal(2, problems.Count);
        Assert.Equal("丁县因触发一票否决情形，年度考核等次直接确定为不合格。", problems[0]);
        Assert.Equal("丙县1个县（区）考核等次为不合格。", problems[1]);
        Assert.Equal("1个县（区）触发一票否决情形。", BulletinFindings.Problems(input with { PublishScores = false })[0]);
    }

    [Fact]
    public void Late_units_missing_values_and_falling_ranks_are_stated_from_the_figures()
    {
        var input = Tenant(6, i => [1, 1, 1]);
        input = input with
        {
            Rows = input.Rows.Select(r => r with { PreviousRank = r.Rank == 6 ? 1 : r.Rank + 1, PreviousTotal = r.Total - 1 }).ToArray(),
            Timeliness = new BulletinTimeliness(100, 90, 7, 12),
        };
        var problems = BulletinFindings.Problems(input);
        Assert.Contains("数据报送方面，应报送单位100家，7家单位逾期报送，10家单位未报送数据，12项指标值未填报。", problems);
        Assert.Contains("与上年相比，己县（下降5位）1个县（区）名次下降3位以上。", problems);

        // Under the tenant's share (5 % of the units), a late or missing unit or two is no finding.
        var few = input with { Timeliness = new BulletinTimeliness(100, 96, 2, 0) };
        Assert.DoesNotContain(BulletinFindings.Problems(few), p => p.Contains("数据报送", StringComparison.Ordinal));
    }

    [Fact]
    public void The_overview_compares_with_last_year_in_mean_and_per_county()
    {
        var input = Tenant(3, _ => [1, 0.9, 0.8]);
        input = input with
        {
            Rows = [input.Rows[0] with { PreviousRank = 2, PreviousTotal = 85 }, input.Rows[1] with { PreviousRank = 1, PreviousTotal = 90 }, input.Rows[2]],
        };
        var overview = BulletinFindings.Overview(input);
        Assert.Equal("本次共考核3个县（区），其中优秀3个。平均分89.00分，最高分为甲县（89.00分），最低分为丙县（89.00分）。", overview[0]);
        // Comparable counties 甲 and 乙: mean 87.50 last year, 89.00 now.
        Assert.Equal("与上年相比（可比县（区）2个），平均分较上年提高1.50分；名次上升的1个，下降的1个，持平的0个。", overview[1]);
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        Assert.Contains("<td>+4.00</td><td>↑1</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_issued_bulletin_follows_the_order_of_gbt_9704_with_annexes_after_the_signature_and_the_colophon_last()
    {
        var input = Tenant(3, i => [1, 0.9 - (i * 0.1), 0.8]) with
        {
            Adjustments = [new BulletinAdjustment("乙县", "依法行政", -1, "核查发现台账不全", null)],
            Settings = new BulletinSettings { CopyTo = "市委办公室，市人大常委会办公室", Public = false, NextSteps = ["一要抓整改。", "二要抓落实。"] },
        };
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        string[] order =
        [
            "class=\"masthead", "测法治办〔2026〕3号", "class=\"red-rule\"", "<h1 class=\"xbs\">关于2025年度法治政府建设考核结果的通报</h1>",
            "各县（区）人民政府，市直各部门：", "一、总体情况", "二、考核结果", "三、存在问题", "四、下一步要求", "一要抓整改。", "二要抓落实。",
            "<span>附件：</span>", "1. 2025年度法治政府建设考核得分排名表", "2. 2025年度法治政府建设考核结果图表", "3. 核查调整情况",
            "class=\"signature\"", "2026年3月2日", "（此件不公开）",
            "附件1</p>", "附件2</p>", "<svg", "附件3</p>", "核查发现台账不全",
            "class=\"colophon\"", "抄送：市委办公室，市人大常委会办公室。", "2026年3月2日印发",
        ];
        var at = 0;
        foreach (var mark in order)
        {
            var next = html.IndexOf(mark, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{mark}' missing or out of order");
            at = next + mark.Length;
        }

        Assert.DoesNotContain("各县（区）要对照考核结果认真查摆问题", html, StringComparison.Ordinal); // the tenant's own 下一步要求
        Assert.Equal(3, Regex.Count(html, "<section class=\"annex\">")); // each annex on a new page
        Assert.Contains("@page { size: A4; margin: 37mm 26mm 35mm 28mm; }", html, StringComparison.Ordinal);
        Assert.Contains("counter(page)", html, StringComparison.Ordinal);
        Assert.Contains("FangSong_GB2312", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Charts_are_inline_svg_with_text_alternatives_and_escape_county_names()
    {
        var input = Tenant(3, i => [1, 0.9, 0.8 - (i * 0.2)]);
        input = input with
        {
            Rows = [input.Rows[0] with { Name = "<script>alert(1)</script>县", PreviousRank = 3 }, input.Rows[1] with { PreviousRank = 1 }, input.Rows[2] with { PreviousRank = 2 }],
            GradeLines = [new BulletinGradeLine("优秀", 90), new BulletinGradeLine("良好", 80)],
        };
        var charts = BulletinCharts.Build(input);
        Assert.Equal(["图1 各县（区）考核总分", "图2 各县（区）各项考核内容得分率", "图3 各县（区）名次较上年变化"], charts.Select(c => c.Caption));
        Assert.All(charts, c =>
        {
            Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", c.Svg.Markup, StringComparison.Ordinal);
            Assert.Contains("role=\"img\"", c.Svg.Markup, StringComparison.Ordinal);
            Assert.Contains("<desc>", c.Svg.Markup, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", c.Svg.Markup, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;", c.Svg.Markup, StringComparison.Ordinal);
        });
        Assert.Contains("优秀≥90", charts[0].Svg.Markup, StringComparison.Ordinal); // the grade bounds are drawn
        Assert.Contains("2.乙县83.00分（优秀）", charts[0].Alt, StringComparison.Ordinal);
        Assert.Contains("丙县 组织领导100%，依法行政90%，监督问责40%", charts[1].Alt, StringComparison.Ordinal);
        Assert.Contains("乙县下降1位", charts[2].Alt, StringComparison.Ordinal);

        var md = new BulletinRenderer().Render(input, BulletinFormat.Markdown).Content;
        Assert.DoesNotContain("<svg", md, StringComparison.Ordinal);
        Assert.Contains("**图1 各县（区）考核总分**：按总分排序的条形图", md, StringComparison.Ordinal);
        Assert.Empty(BulletinCharts.Build(input with { PublishScores = false }));
    }

    [Fact]
    public void Charts_of_2850_counties_are_paginated_or_summarised_to_stay_legible()
    {
        var input = Tenant(1, _ => [1, 1, 1]);
        input = input with
        {
            Rows = Enumerable.Range(1, 2850).Select(i => new BulletinRow(i, $"c{i}", $"县{i}", 100 - (i / 100.0), i < 300 ? "优秀" : "良好", [20, 50, 30 - (i / 100.0)], false, false, ((i * 7) % 2850) + 1)).ToArray(),
        };
        var charts = BulletinCharts.Build(input);
        var bars = charts.Where(c => c.Caption.StartsWith("图1", StringComparison.Ordinal)).ToList();
        Assert.Equal(72, bars.Count); // 40 counties to a chart
        Assert.Equal("图1 各县（区）考核总分（第2841—2850名）", bars[^1].Caption);
        var heat = Assert.Single(charts, c => c.Caption.StartsWith("图2", StringComparison.Ordinal));
        Assert.Contains("按等次汇总", heat.Svg.Markup, StringComparison.Ordinal);
        var change = Assert.Single(charts, c => c.Caption.StartsWith("图3", StringComparison.Ordinal));
        Assert.Contains("可比县（区）2850个", change.Alt, StringComparison.Ordinal);
        Assert.Contains("县2850", new BulletinRenderer().Render(input, BulletinFormat.Html).Content, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correction_has_its_own_number_and_names_the_bulletin_it_corrects_and_why()
    {
        var input = Tenant(2, _ => [1, 1, 1]) with
        {
            Sequence = 5,
            Correction = new BulletinCorrection("测法治办〔2026〕3号", "关于2025年度法治政府建设考核结果的通报", new DateOnly(2026, 3, 2), "乙县得分计算有误"),
        };
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        Assert.Contains("测法治办〔2026〕5号", html, StringComparison.Ordinal);
        Assert.Contains("关于更正《关于2025年度法治政府建设考核结果的通报》的通报", html, StringComparison.Ordinal);
        Assert.Contains("于2026年3月2日印发的《关于2025年度法治政府建设考核结果的通报》（测法治办〔2026〕3号）已予撤回，撤回原因：乙县得分计算有误。", html, StringComparison.Ordinal);
        var md = new BulletinRenderer().Render(input, BulletinFormat.Markdown).Content;
        Assert.Contains("# 关于更正《关于2025年度法治政府建设考核结果的通报》的通报", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_personal_copy_carries_the_recipients_mark_on_every_page_and_leaves_the_issued_text_intact()
    {
        var issued = new BulletinRenderer().Render(Tenant(2, _ => [1, 1, 1]), BulletinFormat.Html).Content;
        var sent = new DateTimeOffset(2026, 3, 2, 1, 30, 0, TimeSpan.Zero);
        var copy = PersonalCopy.Html(issued, "张<三>", "市人民政府", sent);
        Assert.Contains("张&lt;三&gt;", copy, StringComparison.Ordinal);
        Assert.Contains("2026-03-02 09:30", copy, StringComparison.Ordinal); // Beijing time
        Assert.Contains("position:fixed", copy, StringComparison.Ordinal); // repeated on every printed page
        Assert.EndsWith("</body>\n</html>\n", copy, StringComparison.Ordinal);
        // The issued text is intact: only the watermark and the distribution line (in the 版记) were added.
        var added = Regex.Replace(copy, "<div aria-hidden=\"true\" style=\"position:fixed.*?</div></div>", "", RegexOptions.Singleline);
        Assert.Equal(issued, Regex.Replace(added, "<p class=\"personal-copy\".*?</p>", "", RegexOptions.Singleline));
        Assert.Contains("<footer class=\"colophon\"><p class=\"personal-copy\"", copy, StringComparison.Ordinal);
        Assert.Equal(copy, PersonalCopy.Html(issued, "张<三>", "市人民政府", sent));
    }
}

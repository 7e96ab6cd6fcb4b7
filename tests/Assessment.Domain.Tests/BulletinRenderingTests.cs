using Assessment.Bulletins;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

public class BulletinRenderingTests
{
    private static BulletinInput Input(params string[] names) => new(
        "测试市", "测试市全面依法治市委员会办公室", "测法治办", "各县（区）", 2024, 1, new DateOnly(2025, 3, 1), true, "默认细则",
        ["优秀", "良好", "合格", "不合格"],
        [new BulletinDimension("org", "组织领导", 12)],
        names.Select((n, i) => new BulletinRow(i + 1, $"c{i}", n, 90 - i, "良好", [10 - i], false, false)).ToArray());

    [Fact]
    public void Template_syntax_and_markup_in_names_print_literally_in_html()
    {
        var html = new BulletinRenderer().Render(Input("{{ 7*7 }}县", "<script>alert(1)</script>区"), BulletinFormat.Html).Content;
        Assert.Contains("{{ 7*7 }}县", html, StringComparison.Ordinal);
        Assert.DoesNotContain("49县", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;区", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("关于2024年度法治政府建设考核结果的通报", html, StringComparison.Ordinal);
        Assert.Contains("测法治办〔2025〕1号", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_draft_has_no_document_number_no_date_and_says_so_on_every_page()
    {
        var draft = Input("甲县", "乙县") with { Draft = true };
        var html = new BulletinRenderer().Render(draft, BulletinFormat.Html).Content;
        Assert.Contains("class=\"watermark\"", html, StringComparison.Ordinal);
        Assert.Contains("征求意见稿", html, StringComparison.Ordinal);
        Assert.DoesNotContain("〔", html, StringComparison.Ordinal);
        Assert.DoesNotContain("2025年3月1日", html, StringComparison.Ordinal);
        Assert.DoesNotContain("此件公开发布", html, StringComparison.Ordinal);
        var md = new BulletinRenderer().Render(draft, BulletinFormat.Markdown).Content;
        Assert.Contains("征求意见稿", md, StringComparison.Ordinal);
        Assert.DoesNotContain("〔", md, StringComparison.Ordinal);

        var published = new BulletinRenderer().Render(Input("甲县", "乙县"), BulletinFormat.Html).Content;
        Assert.DoesNotContain("征求意见稿", published, StringComparison.Ordinal);
        Assert.Contains("此件公开发布", published, StringComparison.Ordinal);
    }

    [Fact]
    public void The_problems_paragraph_says_what_the_scores_show_and_names_counties_only_when_scores_are_public()
    {
        // 组织领导 out of 12: 甲 11, 乙 10, 丙 5, 丁 4 → average 62.5 %, 丙 and 丁 below 60 %.
        var input = Input("甲县", "乙县", "丙县", "丁县");
        input = input with { Rows = input.Rows.Select((r, i) => r with { Dimensions = [new[] { 11.0, 10, 5, 4 }[i]] }).ToArray() };
        var problems = BulletinFindings.Problems(input);
        Assert.Equal("“组织领导”平均得分率为62.5%，丁县、丙县2个县（区）不足60%。", Assert.Single(problems));
        Assert.Equal("“组织领导”平均得分率为62.5%，2个县（区）不足60%。", Assert.Single(BulletinFindings.Problems(input with { PublishScores = false })));
        Assert.Contains("丁县、丙县", new BulletinRenderer().Render(input, BulletinFormat.Html).Content, StringComparison.Ordinal);

        var strong = input with { Rows = input.Rows.Select(r => r with { Dimensions = [11.5] }).ToArray() };
        Assert.Empty(BulletinFindings.Problems(strong));
        Assert.Contains("均在80%以上", new BulletinRenderer().Render(strong, BulletinFormat.Html).Content, StringComparison.Ordinal);
        Assert.DoesNotContain("重大行政决策合法性审查", new BulletinRenderer().Render(strong, BulletinFormat.Html).Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_escapes_markup_and_table_syntax()
    {
        var md = new BulletinRenderer().Render(Input("{{ 7*7 }}县", "<script>|x|</script>"), BulletinFormat.Markdown).Content;
        Assert.Contains(@"{{ 7\*7 }}县", md, StringComparison.Ordinal);
        Assert.DoesNotContain("49县", md, StringComparison.Ordinal);
        Assert.Contains(@"&lt;script&gt;\|x\|&lt;/script&gt;", md, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_annex_shows_the_rank_change_against_last_year_when_there_is_one()
    {
        var input = Input("甲县", "乙县", "丙县");
        input = input with { Rows = [input.Rows[0] with { PreviousRank = 3 }, input.Rows[1] with { PreviousRank = 1 }, input.Rows[2]] };
        var md = new BulletinRenderer().Render(input, BulletinFormat.Markdown).Content;
        Assert.Contains("较上年名次", md, StringComparison.Ordinal);
        Assert.Contains("| 甲县 | 10.00 | 90.00 | 良好 | — | ↑2 |", md, StringComparison.Ordinal);
        Assert.Contains("| 乙县 | 9.00 | 89.00 | 良好 | — | ↓1 |", md, StringComparison.Ordinal);
        Assert.Contains("| 丙县 | 8.00 | 88.00 | 良好 | — | — |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("较上年", new BulletinRenderer().Render(Input("甲县"), BulletinFormat.Markdown).Content, StringComparison.Ordinal);
    }

    [Fact]
    public void The_评分细则_annex_prints_each_line_with_its_评分标准_and_考核方式_and_markup_literally()
    {
        var scheme = SchemeLoader.Default(IndicatorCatalog.Default);
        var rows = SchemeTable.Rows(scheme, IndicatorCatalog.Default).Append(new SchemeTableRow("<b>x</b>", "|", "{{ 7*7 }}", "1", "*不*", "查阅资料")).ToArray();
        var input = Input("甲县") with { Standards = rows };
        var md = new BulletinRenderer().Render(input, BulletinFormat.Markdown).Content;
        // The last annex, listed under 附件 with its number and headed by it.
        var number = System.Text.RegularExpressions.Regex.Match(md, "## 附件(\\d)　2024年度法治政府建设考核评分细则").Groups[1].Value;
        Assert.NotEmpty(number);
        Assert.Matches($"附件：1\\. 2024年度法治政府建设考核得分排名表；.*{number}\\. 2024年度法治政府建设考核评分细则\n", md);
        var first = rows[0];
        Assert.Contains($"| {first.Level1} | {first.Level2} | {first.Level3} | {first.Points} | {first.Standard} | {first.Method} |", md, StringComparison.Ordinal);
        Assert.Contains(@"| &lt;b&gt;x&lt;/b&gt; | \| | {{ 7\*7 }} | 1 | \*不\* | 查阅资料 |", md, StringComparison.Ordinal);
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        Assert.Contains($"<p class=\"annex-label\">附件{number}</p>\n<h1 class=\"xbs\">2024年度法治政府建设考核评分细则</h1>", html, StringComparison.Ordinal);
        Assert.Contains($"<td class=\"standard\">{System.Net.WebUtility.HtmlEncode(first.Standard)}</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>x</b>", html, StringComparison.Ordinal);
        // Without the table (a tenant's earlier input, or a bulletin of the ranking alone) there is no such annex.
        Assert.DoesNotContain("评分细则", new BulletinRenderer().Render(Input("甲县"), BulletinFormat.Markdown).Content, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_of_2850_counties_renders_past_scribans_default_loop_limit()
    {
        var names = Enumerable.Range(0, 2850).Select(i => $"县{i}").ToArray();
        var input = Input(names);
        // Nine dimension columns, as the default scheme has: the nested loop runs 2,850 × 9 times.
        var dimensions = Enumerable.Range(0, 9).Select(i => new BulletinDimension($"d{i}", $"指标{i}", 10)).ToArray();
        input = input with { Dimensions = dimensions, Rows = input.Rows.Select(r => r with { Dimensions = [.. dimensions.Select(_ => 9.5)] }).ToArray() };
        var html = new BulletinRenderer().Render(input, BulletinFormat.Html).Content;
        Assert.Contains("县2849", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<meta http-equiv=\"refresh\" content=\"0;url=about:blank\">")]
    [InlineData("<META HTTP-EQUIV=REFRESH CONTENT=0>")]
    [InlineData("<meta content='1' http-equiv = 'Refresh'>")]
    [InlineData("<meta\nhttp-equiv=\"refresh\"\ncontent=\"0\">")]
    [InlineData("<meta http-{{ \"equiv\" }}=\"re{{ \"fresh\" }}\" content=\"0\">")] // put together by the template
    public void A_tenant_template_that_navigates_away_is_refused_at_upload(string meta)
    {
        var source = "<!doctype html><html><head>" + meta + "</head><body>{{ title }}</body></html>";
        var problem = Assert.Single(new BulletinRenderer().Check(source, BulletinFormat.Html));
        Assert.Contains("页面跳转", problem, StringComparison.Ordinal);
        Assert.Empty(new BulletinRenderer().Check("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>{{ title }}</body></html>", BulletinFormat.Html));
    }
}

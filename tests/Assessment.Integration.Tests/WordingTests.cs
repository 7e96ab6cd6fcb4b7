using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Words as people read them: a county's audit trail (the county page, <c>assess audit list</c>, the audit export) with
/// indicator names, workflow states and roles in Chinese, never a raw code, an English state or an English role tag;
/// what a key may do next; how the catalog calls a figure's kind.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class WordingTests(PlatformFixture platform)
{
    private const int Year = 2025;

    [GeneratedRegex(@"\b[a-z]+\.[a-z_]+\s*=|\b(Draft|Open|Closed|Published|Collecting|Submitted|Returned|Reviewed|round|status|deadline)\b|（(Assessor|County|Unit|Leader|TenantAdmin|Operator)）")]
    private static partial Regex Untranslated();

    [Fact]
    public async Task The_trail_names_indicators_states_and_roles_in_chinese_on_the_page_in_the_cli_and_in_the_export()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var submissions = new SubmissionService.SubmissionServiceClient(platform.Server.Channel);
        await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = Year,
            SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "legalaid.cases", Value = 12 } },
        }, As(tenant.Units["u1"]));
        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year, County = "c1", RequestId = Guid.NewGuid().ToString() }, As(tenant.County));
        await rounds.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1", Reason = "佐证材料不全", RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));

        // The CLI's list and the export.
        var list = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "audit", "list", "--year", $"{Year}", "--county", "c1");
        Assert.True(list.Exit == 0, list.Err);
        var export = PostgresFixture.ScratchPath($"audit-{Guid.NewGuid():N}.xlsx");
        var exported = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "export", "audit", "--year", $"{Year}", "-o", export);
        Assert.True(exported.Exit == 0, exported.Err);
        string readable;
        using (var reader = Workbooks.WorkbookReader.Open(await File.ReadAllBytesAsync(export), Workbooks.WorkbookLimits.Form))
        {
            // The 记录 column is what people read; the 原文 column beside it is the stored body, kept for verification.
            var sheet = reader.Read()!;
            Assert.Equal("记录", sheet.Rows[0][3]!.Text);
            readable = string.Join('\n', sheet.Rows.Skip(1).Select(r => r[3]?.Text));
        }

        // The county page, signed in as the assessor.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}"),
        };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(browser, tenant.Assessor)).StatusCode);
        var page = WebUtility.HtmlDecode(Regex.Replace(await browser.GetStringAsync($"/{Year}/counties/c1"), "<[^>]+>", " "));

        foreach (var (where, text) in new[] { ("audit list", list.Out), ("export", readable), ("county page", page) })
        {
            Assert.Contains("法律援助", text, StringComparison.Ordinal); // the indicator by its name
            Assert.Contains("退回", text, StringComparison.Ordinal);
            Assert.Contains("佐证材料不全", text, StringComparison.Ordinal);
            var untranslated = Untranslated().Matches(text).Select(m => m.Value).Distinct().ToList();
            Assert.True(untranslated.Count == 0, $"{where}: {string.Join(", ", untranslated)}\n{text}");
        }
    }

    [Fact]
    public async Task After_closing_a_county_that_must_still_report_is_told_so_and_the_assessor_sees_whose_turn_it_is()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2026);
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel)
            .CloseRoundAsync(new RoundTransitionRequest { Year = 2026, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));

        var county = await AssessCli.RunAsync(platform.Server, tenant.County, "county", "status", "--year", "2026");
        Assert.True(county.Exit == 0, county.Err);
        var countyMay = county.Out.Split('\n').Single(l => l.StartsWith("可执行：", StringComparison.Ordinal));
        Assert.Contains("上报", countyMay, StringComparison.Ordinal);

        var assessor = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "county", "status", "--year", "2026", "--county", "c1");
        Assert.True(assessor.Exit == 0, assessor.Err);
        var assessorMay = assessor.Out.Split('\n').Single(l => l.StartsWith("可执行：", StringComparison.Ordinal));
        Assert.Contains("延期", assessorMay, StringComparison.Ordinal); // the assessor may give the county more time
    }

    [Fact]
    public async Task The_catalog_calls_an_amount_of_money_an_amount_and_hours_a_number()
    {
        var all = await AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], "catalog");
        Assert.True(all.Exit == 0, all.Err);
        var lines = all.Out.Split('\n');
        var hours = lines.Single(l => l.Contains("study.training_hours_per_person", StringComparison.Ordinal));
        Assert.Contains("数值", hours, StringComparison.Ordinal);
        Assert.DoesNotContain("金额", hours, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("万元", StringComparison.Ordinal) && l.Contains("金额", StringComparison.Ordinal));
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Workbooks;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The 细则 as the workbook prefectures publish, against the live server: downloaded from the workbench and exported by
/// the CLI it is the pinned scheme; uploaded back (the what-if) and imported by the CLI it gives the same scheme; a
/// broken workbook is refused with its reason in Chinese. The county page and the API print each line's 评分标准.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class SchemeWorkbookTests(PlatformFixture platform)
{
    private const int Year = 2026;

    [Fact]
    public async Task The_细则_workbook_goes_out_and_comes_back_through_the_workbench_and_the_CLI()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var pinned = await new AssessmentService.AssessmentServiceClient(platform.Server.Channel)
            .GetRoundAsync(new GetRoundRequest { Year = Year, WithSchemeText = true }, As(tenant.Assessor));
        var canonical = SchemeWriter.Write(SchemeLoader.Load(pinned.SchemeYaml, "pinned", IndicatorCatalog.Default));

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, tenant.Assessor)).StatusCode);
        var page = await http.GetStringAsync($"/{Year}/scheme");
        Assert.Contains("下载评分细则（Excel）", page, StringComparison.Ordinal);
        var download = await http.GetAsync($"/{Year}/scheme?handler=Workbook");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        var workbook = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(canonical, SchemeWorkbook.Read(workbook, IndicatorCatalog.Default).Yaml);

        // Uploaded back as a what-if: the same scheme moves nobody.
        var tried = await PostSchemeAsync(http, page, "Try", workbook, "评分细则.xlsx");
        Assert.Contains("试算结果", tried, StringComparison.Ordinal);
        Assert.Contains("等次变化的县（区）：<strong>0</strong>", tried, StringComparison.Ordinal);

        // A broken workbook is refused with the reason, in Chinese, and changes nothing.
        var broken = await PostSchemeAsync(http, page, "Try", workbook[..(workbook.Length / 2)], "坏的.xlsx");
        Assert.Contains("未能试算", broken, StringComparison.Ordinal);
        Assert.Contains("损坏", broken, StringComparison.Ordinal);

        // The CLI: export the pinned 细则, import it back as YAML.
        var dir = Directory.CreateTempSubdirectory("scheme-workbook-").FullName;
        var xlsx = Path.Combine(dir, "评分细则.xlsx");
        var exported = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "scheme", "export", "--year", $"{Year}", "-o", xlsx);
        Assert.True(exported.Exit == 0, exported.Err);
        var yaml = Path.Combine(dir, "细则.yaml");
        var imported = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "scheme", "import", xlsx, "--year", $"{Year}", "-o", yaml);
        Assert.True(imported.Exit == 0, imported.Err);
        Assert.Equal(canonical, await File.ReadAllTextAsync(yaml));
        var foreign = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "scheme", "import", yaml, "-o", Path.Combine(dir, "x.yaml"));
        Assert.NotEqual(0, foreign.Exit);
        Assert.Contains("Excel", foreign.Err, StringComparison.Ordinal);

        // Each scored line carries its 评分标准 and 考核方式: in the API and on the county page.
        var county = await new AssessmentService.AssessmentServiceClient(platform.Server.Channel)
            .GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        var meetings = county.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "org.meetings");
        Assert.Equal(("不少于 3 次得满分（2 分），每少 1 次扣 0.5 分，扣完为止", "系统计算"), (meetings.Standard, meetings.Method));
        Assert.Contains("不少于 3 次得满分（2 分），每少 1 次扣 0.5 分，扣完为止（系统计算）", await http.GetStringAsync($"/{Year}/counties/c1"), StringComparison.Ordinal);
    }

    private static async Task<string> PostSchemeAsync(HttpClient http, string page, string handler, byte[] content, string name)
    {
        var token = Token().Match(page).Groups[1].Value;
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__af" },
            { new ByteArrayContent(content), "scheme", name },
        };
        using var response = await http.PostAsync($"/{Year}/scheme?handler={handler}", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}

using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The 考核组评分 sheet of a prefecture with more counties than a page holds: pages of 50 in roster order, a save on
/// a later page stores that page's rows only, and the same form sent twice (a double click, a retry) stores each row
/// once — by 考核组成员 keys, the role the sheet is for.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class PanelSheetPagingTests(PlatformFixture platform)
{
    private const int Year = 2025;
    private const int Counties = 120;

    [Fact]
    public async Task The_sheet_pages_through_120_counties_and_a_resent_save_stores_each_row_once()
    {
        var channel = platform.Server.Channel;
        var admin = new AdminService.AdminServiceClient(channel);
        var op = As(platform.Server.OperatorKey());
        var tenant = $"g-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "庚市", Issuer = "庚市法治办", DocumentPrefix = "庚法办", Recipients = "各县（区）" }, op);
        for (var c = 1; c <= Counties; c++)
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = $"c{c:000}", Name = $"第{c:000}县" }, op);
        }

        var assessor = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "庚市考核办" }, op)).Key;
        var member = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "member", Name = "考核组王五" }, op)).Key;
        await new CatalogService.CatalogServiceClient(channel).SaveCatalogAsync(new SaveCatalogRequest { CatalogYaml = TenantCatalogTests.OwnCatalog() }, As(assessor));
        var rounds = new AssessmentService.AssessmentServiceClient(channel);
        var scheme = TenantCatalogTests.Scheme.Replace("{ indicator: pufa.site_visit_score, points: 60, rule: linear, lo: 0, hi: 10 }",
            "{ indicator: pufa.site_visit_score, points: 60, rule: panel, method: site_visit }", StringComparison.Ordinal);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = Year, SchemeYaml = scheme, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(assessor));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = Year }, As(assessor));

        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, member)).StatusCode);

        // Three pages: 50, 50 and 20 counties in roster order, each page naming its own and no other.
        var pages = new List<string>();
        for (var p = 1; p <= 3; p++)
        {
            var page = WebUtility.HtmlDecode(await http.GetStringAsync($"/{Year}/panel?line=pufa.site_visit_score&page={p}"));
            Assert.Contains($"第 {p} / 3 页（共 {Counties} 个县（区））", page, StringComparison.Ordinal);
            var shown = RowCounty().Matches(page).Select(m => m.Groups[1].Value).Distinct().ToList();
            var expected = Enumerable.Range((p - 1) * 50 + 1, p < 3 ? 50 : 20).Select(c => $"c{c:000}").ToList();
            Assert.Equal(expected, shown);
            pages.Add(page);
        }

        Assert.Contains("下一页", pages[0], StringComparison.Ordinal);
        Assert.DoesNotContain("下一页", pages[2], StringComparison.Ordinal);

        // A page beyond the last shows the last; a page below the first, the first.
        Assert.Contains("第 3 / 3 页", WebUtility.HtmlDecode(await http.GetStringAsync($"/{Year}/panel?line=pufa.site_visit_score&page=99")), StringComparison.Ordinal);
        Assert.Contains("第 1 / 3 页", WebUtility.HtmlDecode(await http.GetStringAsync($"/{Year}/panel?line=pufa.site_visit_score&page=-4")), StringComparison.Ordinal);

        // Scores on the third page: stored for those counties; the same form sent again stores nothing twice.
        var rows = new Dictionary<string, (string, string)> { ["c101"] = ("8", "台账齐全"), ["c120"] = ("6", "宣传资料不全") };
        var first = await TenantCatalogTests.PostPanelAsync(http, pages[2], rows);
        Assert.Contains("已保存 2 个县（区）的评分", first, StringComparison.Ordinal);
        var again = await TenantCatalogTests.PostPanelAsync(http, pages[2], rows);
        Assert.DoesNotContain("已被他人修改", again, StringComparison.Ordinal);
        foreach (var (county, score) in new[] { ("c101", 8.0), ("c120", 6.0) })
        {
            var card = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = county }, As(assessor));
            Assert.Equal(score, card.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "pufa.site_visit_score").Value);
            var audit = await rounds.ListAuditAsync(new ListAuditRequest { Year = Year, County = county }, As(assessor));
            Assert.Single(audit.Entries, e => e.Body.Contains("assessor_entry", StringComparison.Ordinal));
            Assert.Contains(audit.Entries, e => e.Body.Contains("考核组王五", StringComparison.Ordinal));
        }

        // Nobody on the first page was touched.
        var untouched = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c001" }, As(assessor));
        Assert.False(untouched.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "pufa.site_visit_score").HasValue);
    }

    [GeneratedRegex("name=\"s\\.(c\\d{3})\"")]
    private static partial Regex RowCounty();
}

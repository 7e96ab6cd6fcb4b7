using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The year's 考核通知 through the publication pipeline of the 通报: issued once from the overview (a 文号 from the
/// tenant's sequence, GB/T 9704 layout, the 细则 as its 附件, PDF), sent to every county with receipts, withdrawn with a
/// reason and followed by a 更正通知 naming it; over gRPC, the CLI and the workbench.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class NoticeTests(PlatformFixture platform)
{
    private const int Year = 2026;

    [Fact]
    public async Task The_assessor_issues_the_考核通知_with_the_细则_annexed_the_county_reads_it_and_a_withdrawn_notice_is_corrected()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var notices = new NoticeService.NoticeServiceClient(platform.Server.Channel);

        // Issued from the year's overview, as an assessor would: the button, then the notice in the page.
        using var assessor = await SignedInAsync(tenant.Assessor);
        var overview = await assessor.GetStringAsync($"/{Year}");
        Assert.Contains("印发考核通知（附评分细则）", overview, StringComparison.Ordinal);
        using (var issued = await assessor.PostAsync($"/{Year}?handler=Notice", new FormUrlEncodedContent(
        [
            new("__af", Field(overview, "__af")), new("requestId", Field(overview, "requestId")),
        ])))
        {
            Assert.Equal(HttpStatusCode.Redirect, issued.StatusCode);
        }

        overview = WebUtility.HtmlDecode(await assessor.GetStringAsync($"/{Year}"));
        Assert.Contains($"关于开展{Year}年度法治政府建设考核工作的通知", overview, StringComparison.Ordinal);
        Assert.Contains("发送县（区）1 个，已阅 0 个", overview, StringComparison.Ordinal);

        // One notice, whatever is asked again: its 文号 from the tenant's sequence for the year of issue.
        var status = await notices.IssueAsync(new IssueNoticeRequest { Year = Year, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
        var first = Assert.Single(status.Editions);
        Assert.Matches(@"^测专法办〔\d{4}〕\d+号$", first.DocumentNumber);
        Assert.Equal("甲县", Assert.Single(first.Receipts).Person);

        // The document: GB/T 9704 版头, the year's deadline, the 细则 as its 附件 with 分值, 评分标准 and 考核方式.
        var html = System.Text.Encoding.UTF8.GetString(await DownloadAsync(notices, tenant.Assessor, BulletinFormat.Html));
        foreach (var part in new[] { "class=\"masthead", first.DocumentNumber, "red-rule", "附件：", $"{Year}年度法治政府建设考核评分细则", "<th>评分标准</th>", "组织领导", "每少 1 次扣 0.5 分", "系统计算", "印发</span>", "各县（区）" })
        {
            Assert.Contains(part, html, StringComparison.Ordinal);
        }

        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(await DownloadAsync(notices, tenant.Assessor, BulletinFormat.Pdf), 0, 4), StringComparison.Ordinal);

        // The county reads it on its page; its reading is recorded. A unit is not on the distribution.
        using var county = await SignedInAsync(tenant.County);
        var page = WebUtility.HtmlDecode(await county.GetStringAsync($"/{Year}/counties/c1"));
        Assert.Contains(first.DocumentNumber, page, StringComparison.Ordinal);
        Assert.Contains("考核评分细则", await county.GetStringAsync($"/notice/{Year}.html"), StringComparison.Ordinal);
        await DownloadAsync(notices, tenant.County, BulletinFormat.Markdown);
        var receipt = Assert.Single((await notices.GetStatusAsync(new BulletinStatusRequest { Year = Year }, As(tenant.Assessor))).Editions[0].Receipts);
        Assert.NotNull(receipt.OpenedAt);
        Assert.NotNull(receipt.DownloadedAt);
        var unit = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(notices, tenant.Units["u1"], BulletinFormat.Html));
        Assert.Equal(StatusCode.PermissionDenied, unit.StatusCode);

        // Withdrawn with a reason, it is not issued again as it was: a 更正通知 with its own 文号 names it.
        await notices.WithdrawAsync(new WithdrawBulletinRequest { Year = Year, Reason = "填报截止时间有误", RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
        var again = await Assert.ThrowsAsync<RpcException>(() => notices.IssueAsync(new IssueNoticeRequest { Year = Year, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        var corrected = await notices.CorrectAsync(new CorrectBulletinRequest { Year = Year, Reason = "填报截止时间有误", RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
        Assert.Equal(2, corrected.Editions.Count);
        Assert.True(corrected.Editions[0].Withdrawn);
        Assert.Equal(first.DocumentNumber, corrected.Editions[1].Corrects);
        Assert.NotEqual(first.DocumentNumber, corrected.Editions[1].DocumentNumber);
        Assert.Equal($"关于更正《关于开展{Year}年度法治政府建设考核工作的通知》的通知", corrected.Editions[1].Title);
        var correction = System.Text.Encoding.UTF8.GetString(await DownloadAsync(notices, tenant.County, BulletinFormat.Markdown));
        Assert.Contains($"（{first.DocumentNumber}）已予撤回，撤回原因：填报截止时间有误", correction, StringComparison.Ordinal);

        // The CLI says the same, in Chinese.
        var (exit, output, _) = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "round", "notice", "--year", $"{Year}", "--status");
        Assert.Equal(0, exit);
        Assert.Contains($"第 2 次印发：{corrected.Editions[1].DocumentNumber}", output, StringComparison.Ordinal);
        Assert.Contains("撤回（填报截止时间有误）", output, StringComparison.Ordinal);
    }

    private async Task<HttpClient> SignedInAsync(string key)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}"),
        };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, key)).StatusCode);
        return http;
    }

    private static string Field(string page, string name) =>
        Regex.Match(page, $"name=\"{name}\" (?:type=\"hidden\" )?value=\"([^\"]+)\"").Groups[1].Value;

    private static async Task<byte[]> DownloadAsync(NoticeService.NoticeServiceClient client, string key, BulletinFormat format)
    {
        using var call = client.Download(new DownloadBulletinRequest { Year = Year, Format = format }, As(key));
        using var data = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Data.WriteTo(data);
        }

        return data.ToArray();
    }
}

using System.Net;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// 佐证材料 in the workbench, in a real browser: a unit uploads several files to one indicator (through the progress
/// script), sees them listed, downloads one as an attachment, has a mislabelled file refused in Chinese, removes one
/// with a reason, and finds the page locked after 上报.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EvidencePageTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    private const int Year = 2025;
    private const string Cases = "legalaid.cases";

    [Fact]
    public async Task A_unit_uploads_two_files_with_progress_downloads_one_sees_a_mislabelled_one_refused_removes_one_and_is_locked_after_上报()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var page = await browser.SignInAsync(platform.Server, tenant.Units["u1"]);
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") { errors.Add(m.Text); } };
        var scripted = new List<string>();
        page.Request += (_, r) => { if (r.Method == "POST" && r.Headers.TryGetValue("x-upload", out var v) && v == "1") { scripted.Add(r.Url); } };
        await page.ClickAsync("a:has-text('佐证材料')");
        await page.WaitForURLAsync($"**/{Year}/evidence");
        var row = $"div.evidence-row[data-code='{Cases}']";
        Assert.Contains("未上传", await page.InnerTextAsync(row));

        var pdf = Pdf(3_000_000);
        var text = "法律援助案件登记表\n共 17 件\n"u8.ToArray();
        await page.SetInputFilesAsync($"{row} input[type=file]",
        [
            new FilePayload { Name = "案卷目录.pdf", MimeType = "application/pdf", Buffer = pdf },
            new FilePayload { Name = "登记表.txt", MimeType = "text/plain", Buffer = text },
        ]);
        await page.ClickAsync($"{row} form[data-upload] button[type=submit]");
        await page.WaitForSelectorAsync("p.notice[role=status]:has-text('已上传 2 个文件')");
        await page.WaitForLoadStateAsync(LoadState.Load);
        var listed = await page.InnerTextAsync(row);
        Assert.Contains("案卷目录.pdf", listed, StringComparison.Ordinal);
        Assert.Contains("2.9 MB", listed, StringComparison.Ordinal);
        Assert.Contains("登记表.txt", listed, StringComparison.Ordinal);
        Assert.Contains("2 个文件", listed, StringComparison.Ordinal);
        Assert.Empty(errors); // the script ran under the page's content security policy
        Assert.Single(scripted); // and sent the files itself (with progress), not the browser's plain form post

        // A download is an attachment, never shown inline, sandboxed.
        var link = await page.GetAttributeAsync($"{row} a:has-text('案卷目录.pdf')", "href");
        var response = await page.APIRequest.GetAsync(link!);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("attachment", response.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers["x-content-type-options"]);
        Assert.Contains("sandbox", response.Headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal(pdf, await response.BodyAsync());
        // Another unit's session gets the one 404 for it.
        var other = await browser.SignInAsync(platform.Server, tenant.Units["u2"]);
        Assert.Equal(404, (await other.APIRequest.GetAsync(link!)).Status);

        // A .pdf that is a ZIP: refused in Chinese, nothing added.
        using (var zip = new MemoryStream())
        {
            using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            using (var entry = archive.CreateEntry("a.txt").Open())
            {
                entry.Write("x"u8);
            }

            await page.SetInputFilesAsync($"{row} input[type=file]", new FilePayload { Name = "伪装.pdf", MimeType = "application/pdf", Buffer = zip.ToArray() });
        }

        await page.ClickAsync($"{row} form[data-upload] button[type=submit]");
        var refusal = await page.InnerTextAsync("p.notice.error[role=alert]");
        Assert.Contains("伪装.pdf", refusal, StringComparison.Ordinal);
        Assert.Contains("ZIP", refusal, StringComparison.Ordinal);
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.Contains("2 个文件", await page.InnerTextAsync(row), StringComparison.Ordinal);

        // Removed with a reason: off the list.
        var txt = $"{row} tr:has-text('登记表.txt')";
        await page.FillAsync($"{txt} input[name=reason]", "重复上传");
        await page.ClickAsync($"{txt} button[type=submit]");
        Assert.Contains("已撤下“登记表.txt”（原因：重复上传）", await page.InnerTextAsync("p.notice[role=status]"), StringComparison.Ordinal);
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.DoesNotContain("登记表.txt", await page.InnerTextAsync(row), StringComparison.Ordinal);

        // After 上报 the page is locked: no upload or removal forms.
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        await page.GotoAsync($"/{Year}/evidence");
        Assert.Contains("佐证材料已随数据锁定", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("form[data-upload]").CountAsync());
        Assert.Equal(0, await page.Locator("input[name=reason]").CountAsync());
    }

    private static byte[] Pdf(int length)
    {
        var body = new byte[length];
        new Random(length).NextBytes(body);
        return [.. "%PDF-1.7\n"u8.ToArray(), .. body, .. "\n%%EOF\n"u8.ToArray()];
    }
}

using System.Net;
using System.Text.Json;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using UglyToad.PdfPig;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The issued bulletin as leaders receive it: the PDF printed by Chromium, withdrawal and correction, the distribution
/// list with personal copies and receipts, and the reminder of the unread through the tenant's webhook.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class BulletinIssueTests(PlatformFixture platform)
{
    private BulletinService.BulletinServiceClient Bulletins => new(platform.Server.Channel);

    private AdminService.AdminServiceClient Admin => new(platform.Server.Channel);

    /// <summary>A tenant with a published 2025 round and two leaders on its distribution list (and one who is not).</summary>
    private async Task<(TestTenant Tenant, string Mayor, string Deputy, string Outsider)> PublishedAsync(Action<SetDistributionRequest>? distribution = null)
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025, publishScores: true);
        var op = As(platform.Server.OperatorKey());
        async Task<IssuedCredential> Leader(string name) =>
            await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "leader", Name = name }, op);
        var mayor = await Leader("市长");
        var deputy = await Leader("副市长");
        var outsider = await Leader("未列入分发的领导");
        var request = new SetDistributionRequest { Tenant = tenant.Id };
        request.Recipients.Add(new Recipient { Id = "mayor", Person = "王市长", Office = "测试专用市人民政府", Title = "市长", CredentialId = mayor.Credential.Id });
        request.Recipients.Add(new Recipient { Id = "deputy", Person = "李副市长", Office = "测试专用市人民政府", Title = "副市长", CredentialId = deputy.Credential.Id });
        distribution?.Invoke(request);
        await Admin.SetDistributionAsync(request, op);
        await Admin.SetBulletinSettingsAsync(new SetBulletinSettingsRequest
        {
            Tenant = tenant.Id,
            Settings = new BulletinSettings { CopyTo = "市委办公室，市人大常委会办公室", NextSteps = { "各县（区）要在30日内报送整改方案。" } },
        }, op);
        await tenant.ReviewAndCloseAsync(platform.Server, 2025);
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).PublishRoundAsync(new PublishRoundRequest { Year = 2025 }, As(tenant.Assessor));
        return (tenant, mayor.Key, deputy.Key, outsider.Key);
    }

    /// <summary>A page's text as a reader copies it (fonts that map 见 or 长 to radical look-alikes read as the characters).</summary>
    private static string Text(UglyToad.PdfPig.Content.Page page) => Assessment.Documents.ReportReader.UnifyRadicals(string.Concat(page.Letters.Select(l => l.Value)));

    private async Task<(BulletinFileInfo Info, byte[] Data)> DownloadAsync(string key, BulletinFormat format, int edition = 0)
    {
        using var call = Bulletins.Download(new DownloadBulletinRequest { Year = 2025, Format = format, Edition = edition }, As(key));
        BulletinFileInfo? info = null;
        var data = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            info ??= chunk.Info;
            chunk.Data.WriteTo(data);
        }

        return (info!, data.ToArray());
    }

    [Fact]
    public async Task The_issued_pdf_is_a4_with_fonts_embedded_counties_in_order_and_annexes_after_the_signature_and_is_kept_byte_for_byte()
    {
        var (tenant, _, _, _) = await PublishedAsync();
        var (info, pdf) = await DownloadAsync(tenant.Assessor, BulletinFormat.Pdf);
        Assert.Equal("application/pdf", info.MediaType);
        Assert.Equal(pdf.Length, info.Size);
        Assert.EndsWith("号.pdf", info.FileName, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(pdf)), info.Sha256);

        using (var document = PdfDocument.Open(pdf))
        {
            var pages = document.GetPages().ToList();
            Assert.All(pages, p => Assert.InRange(p.Width, 594, 596)); // A4: 595 × 842 pt
            Assert.All(pages, p => Assert.InRange(p.Height, 841, 843));
            var text = pages.Select(Text).ToList();
            var all = string.Concat(text);
            Assert.True(all.Contains(info.DocumentNumber, StringComparison.Ordinal), all[..Math.Min(400, all.Length)]);
            Assert.Contains("甲县", all, StringComparison.Ordinal);
            var signature = text.FindIndex(t => t.Contains("（此件公开发布）", StringComparison.Ordinal));
            var annex = text.FindIndex(t => t.Contains("附件1", StringComparison.Ordinal) && t.Contains("排名表", StringComparison.Ordinal) && !t.Contains("附件：", StringComparison.Ordinal));
            Assert.True(signature >= 0 && annex > signature, $"附件 on page {annex + 1}, 落款 on page {signature + 1}");
            Assert.Contains("抄送", text[^1], StringComparison.Ordinal); // 版记 on the last page
            Assert.Contains("— 1 —", text[0].Replace("—1—", "— 1 —", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        Pdfs.AssertFontsEmbedded(pdf);
        var again = await DownloadAsync(tenant.Assessor, BulletinFormat.Pdf);
        Assert.Equal(pdf, again.Data);
        var status = await Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal(info.Sha256, Assert.Single(status.Editions).PdfSha256);
        Assert.Equal(64, status.Editions[0].ModelSha256.Length); // the data the documents were rendered from is kept
        var sheet = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025, Format = BulletinFormat.Verification }, As(tenant.Assessor));
        Assert.Contains(status.Editions[0].ModelSha256, sheet.Content, StringComparison.Ordinal);
        Assert.Contains(info.Sha256, sheet.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leaders_get_personal_copies_and_their_first_reading_and_download_are_recorded_once_and_seen_only_by_assessors()
    {
        var (tenant, mayor, deputy, outsider) = await PublishedAsync();
        var issued = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
        var mine = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(mayor));
        Assert.Contains("王市长", mine.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("李副市长", mine.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("王市长", issued.Content, StringComparison.Ordinal); // the issued document is untouched
        Assert.NotEqual(issued.Sha256, mine.Sha256);
        Assert.Equal(mine.Content, (await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(mayor))).Content);

        var first = (await Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor))).Editions[0];
        var mayorReceipt = first.Receipts.Single(r => r.Recipient == "mayor");
        Assert.NotNull(mayorReceipt.OpenedAt);
        Assert.Equal(mine.Sha256, mayorReceipt.OpenedSha256);
        Assert.Null(first.Receipts.Single(r => r.Recipient == "deputy").OpenedAt);
        Assert.Equal(issued.Sha256, first.HtmlSha256);

        await Task.Delay(1100);
        await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(mayor));
        var (pdfInfo, pdf) = await DownloadAsync(deputy, BulletinFormat.Pdf);
        Assert.Equal("李副市长", pdfInfo.Recipient);
        using (var document = PdfDocument.Open(pdf))
        {
            Assert.Contains("李副市长", string.Concat(document.GetPages().Select(Text)), StringComparison.Ordinal);
        }

        var later = (await Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor))).Editions[0];
        Assert.Equal(mayorReceipt.OpenedAt, later.Receipts.Single(r => r.Recipient == "mayor").OpenedAt); // recorded once
        var deputyReceipt = later.Receipts.Single(r => r.Recipient == "deputy");
        Assert.NotNull(deputyReceipt.DownloadedAt);
        Assert.Equal(pdfInfo.Sha256, deputyReceipt.DownloadedSha256);

        // Leaders do not see the receipts; one not on the list gets nothing; each sees only what was addressed to them.
        var denied = await Assert.ThrowsAsync<RpcException>(() => Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(mayor)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var outside = await Assert.ThrowsAsync<RpcException>(() => Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(outsider)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, outside.StatusCode);
        var list = await Bulletins.ListMineAsync(new ListMyBulletinsRequest(), As(mayor));
        var entry = Assert.Single(list.Bulletins);
        Assert.Equal(first.DocumentNumber, entry.DocumentNumber);
        Assert.NotNull(entry.OpenedAt);
        Assert.Empty((await Bulletins.ListMineAsync(new ListMyBulletinsRequest(), As(outsider))).Bulletins);
        // Another tenant's leader (on that tenant's own list) sees none of this tenant's bulletins.
        Assert.DoesNotContain((await Bulletins.ListMineAsync(new ListMyBulletinsRequest(), As(platform.Keys["leader"]))).Bulletins, b => b.DocumentNumber == first.DocumentNumber);
    }

    [Fact]
    public async Task A_withdrawn_bulletin_is_kept_and_a_correction_gets_its_own_number_naming_the_one_it_corrects()
    {
        var (tenant, mayor, _, _) = await PublishedAsync();
        var assessor = As(tenant.Assessor);
        var original = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, assessor);

        var early = await Assert.ThrowsAsync<RpcException>(() => Bulletins.CorrectAsync(new CorrectBulletinRequest { Year = 2025, Reason = "试图未撤回先更正" }, assessor).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Contains("请先撤回", early.Status.Detail, StringComparison.Ordinal);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => Bulletins.WithdrawAsync(new WithdrawBulletinRequest { Year = 2025 }, assessor).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        var leader = await Assert.ThrowsAsync<RpcException>(() => Bulletins.WithdrawAsync(new WithdrawBulletinRequest { Year = 2025, Reason = "领导无权撤回" }, As(mayor)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, leader.StatusCode);

        var withdrawn = await Bulletins.WithdrawAsync(new WithdrawBulletinRequest { Year = 2025, Reason = "甲县得分录入有误", RequestId = Guid.NewGuid().ToString() }, assessor);
        Assert.True(withdrawn.Editions[0].Withdrawn);
        Assert.Equal("甲县得分录入有误", withdrawn.Editions[0].WithdrawalReason);
        var still = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, assessor);
        Assert.True(still.Withdrawn);
        Assert.Equal(original.Content, still.Content); // nothing deleted, nothing changed

        var corrected = await Bulletins.CorrectAsync(new CorrectBulletinRequest { Year = 2025, Reason = "甲县得分录入有误", RequestId = Guid.NewGuid().ToString() }, assessor);
        Assert.Equal(2, corrected.Editions.Count);
        var correction = corrected.Editions[1];
        Assert.Equal(original.DocumentNumber, correction.Corrects);
        Assert.NotEqual(original.DocumentNumber, correction.DocumentNumber);
        var numbers = new[] { original.DocumentNumber, correction.DocumentNumber }.Select(n => int.Parse(System.Text.RegularExpressions.Regex.Match(n, @"〕(\d+)号").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(numbers[0] + 1, numbers[1]);
        Assert.Equal(["bulletin_issued", "bulletin_withdrawn", "bulletin_corrected"], corrected.Audit.Select(a => a.Action));

        var current = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, assessor);
        Assert.Equal(correction.DocumentNumber, current.DocumentNumber);
        Assert.Equal(2, current.Edition);
        Assert.False(current.Withdrawn);
        Assert.Contains("关于更正《关于2025年度法治政府建设考核结果的通报》的通报", current.Content, StringComparison.Ordinal);
        Assert.Contains($"（{original.DocumentNumber}）已予撤回，撤回原因：甲县得分录入有误", current.Content, StringComparison.Ordinal);
        Assert.Equal(original.Content, (await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025, Edition = 1 }, assessor)).Content);

        // The correction is sent to the list too: the mayor now has both, newest first.
        var mine = await Bulletins.ListMineAsync(new ListMyBulletinsRequest(), As(mayor));
        Assert.Equal([correction.DocumentNumber, original.DocumentNumber], mine.Bulletins.Select(b => b.DocumentNumber));
        Assert.True(mine.Bulletins[1].Withdrawn);
    }

    [Fact]
    public async Task Assessors_remind_the_unread_through_the_tenants_webhook_and_bad_webhook_addresses_are_refused()
    {
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            context.Response.StatusCode = 200;
            context.Response.Close();
            return body;
        });

        var (tenant, mayor, _, _) = await PublishedAsync();
        var op = As(platform.Server.OperatorKey());
        foreach (var bad in new[] { "http://169.254.169.254/latest/meta-data/", "ftp://example.com/hook", "https://224.0.0.1/hook", "not a url" })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => Admin.SetWebhookAsync(new SetWebhookRequest { Tenant = tenant.Id, Url = bad }, op).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }

        var info = await Admin.SetWebhookAsync(new SetWebhookRequest { Tenant = tenant.Id, Url = $"http://127.0.0.1:{port}/robot" }, op);
        Assert.True(info.HasWebhook);
        await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(mayor)); // the mayor has read it

        var reminded = await Bulletins.RemindUnreadAsync(new RemindUnreadRequest { Year = 2025, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
        Assert.True(reminded.Posted);
        Assert.Equal(["李副市长"], reminded.Recipients);
        var body = await received.WaitAsync(TimeSpan.FromSeconds(30));
        using var json = JsonDocument.Parse(body);
        Assert.Equal("bulletin_unread", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal("markdown", json.RootElement.GetProperty("msgtype").GetString());
        var text = json.RootElement.GetProperty("markdown").GetProperty("text").GetString()!;
        Assert.Contains("李副市长", text, StringComparison.Ordinal);
        Assert.DoesNotContain("王市长", text, StringComparison.Ordinal);
        var status = await Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.NotNull(status.Editions[0].Receipts.Single(r => r.Recipient == "deputy").RemindedAt);
        Assert.Null(status.Editions[0].Receipts.Single(r => r.Recipient == "mayor").RemindedAt);
    }

    [Fact]
    public async Task A_tenants_template_cannot_make_the_pdf_printer_fetch_anything()
    {
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var fetched = listener.GetContextAsync();

        var tenant = await TestTenant.CreateAsync(platform.Server, 2025, publishScores: true);
        var op = As(platform.Server.OperatorKey());
        var template = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"http://127.0.0.1:{port}/style.css\">"
            + $"<style>@font-face {{ font-family: x; src: url(http://127.0.0.1:{port}/font.woff2); }} body {{ background: url(http://localhost:{port}/bg.png); }}</style></head>"
            + $"<body><img src=\"http://127.0.0.1:{port}/pixel.png\"><iframe src=\"http://127.0.0.1:{port}/frame\"></iframe>"
            + $"<script>fetch('http://127.0.0.1:{port}/script')</script><h1>{{{{ title }}}}</h1></body></html>";
        await Admin.UploadTemplateAsync(new UploadTemplateRequest { Tenant = tenant.Id, Format = "html", Source = template }, op);

        var (info, pdf) = await DownloadAsync(tenant.Assessor, BulletinFormat.Pdf);
        Assert.True(info.Draft);
        using (var document = PdfDocument.Open(pdf))
        {
            Assert.Contains("关于2025年度法治政府建设考核结果的通报", string.Concat(document.GetPages().Select(Text)), StringComparison.Ordinal);
        }

        var first = await Task.WhenAny(fetched, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.NotSame(fetched, first); // not one request reached the listener
    }

    [Fact]
    public async Task In_the_browser_a_leader_lists_the_bulletins_sent_to_them_and_opens_their_personal_copy_and_pdf()
    {
        var (tenant, mayor, _, _) = await PublishedAsync();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, mayor)).StatusCode);

        var list = await http.GetStringAsync("/bulletins");
        Assert.Contains("关于2025年度法治政府建设考核结果的通报", list, StringComparison.Ordinal);
        Assert.Contains("未阅", list, StringComparison.Ordinal);
        var copy = await http.GetStringAsync("/bulletin/2025.html?edition=1");
        Assert.Contains("本件分发：王市长", copy, StringComparison.Ordinal);
        Assert.Contains("已阅", await http.GetStringAsync("/bulletins"), StringComparison.Ordinal);
        var pdf = await http.GetAsync("/bulletin/2025.pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.Equal("%PDF"u8.ToArray(), (await pdf.Content.ReadAsByteArrayAsync())[..4]);

        var receipt = (await Bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor))).Editions[0].Receipts.Single(r => r.Recipient == "mayor");
        Assert.NotNull(receipt.OpenedAt);
        Assert.NotNull(receipt.DownloadedAt);
    }

    [Fact]
    public async Task The_distribution_list_takes_only_active_leader_credentials_of_the_tenant_and_bad_settings_change_nothing()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var op = As(platform.Server.OperatorKey());
        var assessorId = (await Admin.ListCredentialsAsync(new ListCredentialsRequest { Tenant = tenant.Id, PageSize = 50 }, op)).Credentials.First(c => c.Role == "assessor").Id;
        var request = new SetDistributionRequest { Tenant = tenant.Id };
        request.Recipients.Add(new Recipient { Id = "a", Person = "考核办", Office = "法治办", CredentialId = assessorId });
        request.Recipients.Add(new Recipient { Id = "b", Person = "他人", Office = "他市", CredentialId = "0123456789abcdef" });
        request.Recipients.Add(new Recipient { Id = "a", Person = "<b>", Office = "", CredentialId = "x" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => Admin.SetDistributionAsync(request, op).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var violations = refused.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("recipients[0].credential_id", violations);
        Assert.Contains("recipients[1].credential_id", violations);
        Assert.Contains("recipients[2].id", violations);
        Assert.Contains("recipients[2].office", violations);
        Assert.Empty((await Admin.GetTenantAsync(new GetTenantRequest { Tenant = tenant.Id }, op)).Distribution);

        // Settings likewise: too many paragraphs, a bidi override in one, a share outside 0–1 — refused, nothing stored.
        var settings = new BulletinSettings { CopyTo = "市委办公室", WeakCounty = 1.5 };
        settings.NextSteps.AddRange(Enumerable.Range(0, 11).Select(i => i == 3 ? "整改\u202E要求" : $"第{i}段。"));
        var badSettings = await Assert.ThrowsAsync<RpcException>(() => Admin.SetBulletinSettingsAsync(new SetBulletinSettingsRequest { Tenant = tenant.Id, Settings = settings }, op).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badSettings.StatusCode);
        var settingFields = badSettings.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Field).ToList();
        Assert.Contains("settings.next_steps", settingFields);
        Assert.Contains("settings.next_steps[3]", settingFields);
        Assert.Contains("settings.weak_county", settingFields);
        Assert.Equal("", (await Admin.GetTenantAsync(new GetTenantRequest { Tenant = tenant.Id }, op)).BulletinSettings.CopyTo);
    }

    [Fact]
    public async Task Leaders_read_nothing_of_a_draft_round_unless_the_tenant_asks_them_for_comments()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var op = As(platform.Server.OperatorKey());
        var leader = (await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "leader", Name = "领导" }, op)).Key;
        var refused = await Assert.ThrowsAsync<RpcException>(() => Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(leader)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        var ranking = await Assert.ThrowsAsync<RpcException>(() => rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(leader)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ranking.StatusCode); // nothing of a draft round: not its ranking either
        var county = await Assert.ThrowsAsync<RpcException>(() => rounds.GetCountyAsync(new GetCountyRequest { Year = 2025, County = "c1" }, As(leader)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, county.StatusCode);
        Assert.NotEmpty((await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor))).Entries);
        await Admin.SetBulletinSettingsAsync(new SetBulletinSettingsRequest { Tenant = tenant.Id, Settings = new BulletinSettings { LeadersSeeDrafts = true } }, op);
        var draft = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(leader));
        Assert.True(draft.Draft);
        Assert.NotEmpty((await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(leader))).Entries);
        Assert.Contains("征求意见稿", draft.Content, StringComparison.Ordinal);
        foreach (var edition in new[] { 1, 2 })
        {
            // Nothing is issued yet: a numbered edition is not found, rather than the draft under its number.
            var notIssued = await Assert.ThrowsAsync<RpcException>(() => Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025, Edition = edition }, As(tenant.Assessor)).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, notIssued.StatusCode);
            var notIssuedFile = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(tenant.Assessor, BulletinFormat.Pdf, edition));
            Assert.Equal(StatusCode.NotFound, notIssuedFile.StatusCode);
        }

        var (info, pdf) = await DownloadAsync(leader, BulletinFormat.Pdf);
        Assert.True(info.Draft);
        using var document = PdfDocument.Open(pdf);
        Assert.All(document.GetPages(), p => Assert.Contains("征求意见稿", Text(p), StringComparison.Ordinal)); // on every page
    }
}

/// <summary>The bulletin's life from the command line, as an assessor, a tenant admin and a leader use it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BulletinCliTests(PlatformFixture platform)
{
    [Fact]
    public async Task Assess_bulletin_sets_recipients_publishes_downloads_the_pdf_shows_receipts_withdraws_and_corrects()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025, publishScores: true);
        var op = As(platform.Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var tenantAdmin = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "管理员" }, op)).Key;
        var leader = await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "leader", Name = "市长" }, op);
        var dir = Directory.CreateTempSubdirectory("bulletin-cli-").FullName;
        var list = Path.Combine(dir, "分发对象.yaml");
        await File.WriteAllTextAsync(list, $"recipients:\n  - id: mayor\n    person: 王市长\n    office: 测试专用市人民政府\n    title: 市长\n    credential: {leader.Credential.Id}\n");

        // A hostile list (nested 100,000 deep) is refused with one Chinese line before it is parsed; nothing changes.
        var deep = Path.Combine(dir, "嵌套.yaml");
        await File.WriteAllTextAsync(deep, "recipients: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        var hostile = await AssessCli.RunAsync(platform.Server, tenantAdmin, "bulletin", "recipients", "--set", deep);
        Assert.Equal(4, hostile.Exit);
        Assert.DoesNotContain("   at ", hostile.Err, StringComparison.Ordinal);
        Assert.Contains("嵌套.yaml", hostile.Err, StringComparison.Ordinal);

        var set = await AssessCli.RunAsync(platform.Server, tenantAdmin, "bulletin", "recipients", "--set", list);
        Assert.True(set.Exit == 0, set.Err);
        Assert.Contains("王市长", set.Out, StringComparison.Ordinal);
        var settings = await AssessCli.RunAsync(platform.Server, tenantAdmin, "bulletin", "settings", "--copy-to", "市委办公室", "--next-step", "一要抓整改。");
        Assert.True(settings.Exit == 0, settings.Err);
        Assert.Contains("抄送 市委办公室", settings.Out, StringComparison.Ordinal);

        await tenant.ReviewAndCloseAsync(platform.Server, 2025);
        var published = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "bulletin", "publish", "--year", "2025");
        Assert.True(published.Exit == 0, published.Err);
        Assert.Matches("通报已印发：测专法办〔\\d{4}〕\\d+号《关于2025年度法治政府建设考核结果的通报》，发送分发对象 1 位", published.Out);

        var pdf = Path.Combine(dir, "通报.pdf");
        var download = await AssessCli.RunAsync(platform.Server, leader.Key, "bulletin", "download", "--year", "2025", "-o", pdf);
        Assert.True(download.Exit == 0, download.Err);
        Assert.Contains("王市长个人分发件", download.Out, StringComparison.Ordinal);
        Assert.Equal("%PDF"u8.ToArray(), (await File.ReadAllBytesAsync(pdf))[..4]);

        var status = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "bulletin", "status", "--year", "2025");
        Assert.True(status.Exit == 0, status.Err);
        Assert.Contains("王市长", status.Out, StringComparison.Ordinal);
        Assert.Contains("已阅 1/1", status.Out, StringComparison.Ordinal);
        var mine = await AssessCli.RunAsync(platform.Server, leader.Key, "bulletin", "mine");
        Assert.Contains("关于2025年度法治政府建设考核结果的通报", mine.Out, StringComparison.Ordinal);

        var withdraw = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "bulletin", "withdraw", "--year", "2025", "--reason", "排名表数据有误");
        Assert.True(withdraw.Exit == 0, withdraw.Err);
        var correct = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "bulletin", "correct", "--year", "2025", "--reason", "排名表数据有误");
        Assert.True(correct.Exit == 0, correct.Err);
        Assert.Contains("已印发更正通报", correct.Out, StringComparison.Ordinal);
        var again = await AssessCli.RunAsync(platform.Server, tenant.Assessor, "bulletin", "correct", "--year", "2025", "--reason", "再次更正");
        Assert.NotEqual(0, again.Exit);
        Assert.Contains("请先撤回", again.Err, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }
}

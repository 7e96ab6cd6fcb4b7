using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;


namespace Assessment.Integration.Tests;

[Collection(PlatformCollection.Name)]
public sealed class BulletinTests(PlatformFixture platform)
{
    private BulletinService.BulletinServiceClient Bulletins => new(platform.Server.Channel);

    [Fact]
    public async Task County_names_with_template_syntax_or_markup_appear_literally_in_the_html_bulletin()
    {
        var html = (await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Html }, As(platform.Keys["assessor"]))).Content;

        Assert.Contains("{{ 7*7 }}县", html, StringComparison.Ordinal);
        Assert.DoesNotContain("49县", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;区", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("关于2024年度法治政府建设考核结果的通报", html, StringComparison.Ordinal);
        Assert.Contains("测试市全面依法治市委员会办公室", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parsed_as_html_the_bulletin_has_only_the_templates_elements_and_attributes()
    {
        var html = (await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Html }, As(platform.Keys["assessor"]))).Content;
        var template = await File.ReadAllTextAsync(RepositoryFile("templates", "bulletin.html.sbn"));
        var allowedTags = System.Text.RegularExpressions.Regex.Matches(template, "<([a-z0-9]+)").Select(m => m.Groups[1].Value).ToHashSet();
        var allowedAttributes = System.Text.RegularExpressions.Regex.Matches(template, @"\s([a-z-]+)=""").Select(m => m.Groups[1].Value).ToHashSet();

        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        // Charts are the platform's own SVG: a few drawing primitives, no script, no link, no handler.
        var drawn = document.QuerySelectorAll("figure svg *").Concat(document.QuerySelectorAll("figure svg")).ToHashSet();
        Assert.All(drawn, e => Assert.Contains(e.LocalName, new[] { "svg", "desc", "rect", "line", "text" }));
        Assert.All(drawn.SelectMany(e => e.Attributes), a => Assert.False(a.Name.StartsWith("on", StringComparison.Ordinal) || a.Name.Contains("href", StringComparison.Ordinal), a.Name));
        var elements = document.All.Where(e => !drawn.Contains(e)).ToArray();
        Assert.All(elements, e => Assert.Contains(e.LocalName, allowedTags));
        Assert.All(elements.SelectMany(e => e.Attributes), a => Assert.Contains(a.Name, allowedAttributes));
        Assert.Empty(document.QuerySelectorAll("script, img, iframe, a, form"));
        // The hostile names are text, whole, inside the cells the template made for them.
        var cells = document.QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
        Assert.Contains("<script>alert(1)</script>区", cells);
        Assert.Contains("{{ 7*7 }}县", cells);
    }

    [Fact]
    public async Task County_names_with_template_syntax_or_markup_appear_literally_in_the_markdown_bulletin()
    {
        var rendered = await Bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"]));
        var md = rendered.Content;

        Assert.Contains(@"{{ 7\*7 }}县", md, StringComparison.Ordinal);
        Assert.DoesNotContain("49县", md, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert\\(1\\)&lt;/script&gt;区", md, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", md, StringComparison.Ordinal);
        Assert.Equal(64, rendered.Sha256.Length);
    }

    [Fact]
    public async Task The_web_pages_need_a_signed_in_key_and_a_revoked_keys_session_ends()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        var anonymous = await http.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await http.GetAsync("/bulletin/2024.html")).StatusCode);

        // A sign-in without the form's antiforgery token is refused whatever the key.
        var forged = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = platform.Keys["assessor"] }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, forged.StatusCode);

        // The platform operator's key does not sign in to a tenant's workbench; a leader's does.
        var refused = await WebSignIn.PostLoginAsync(http, platform.Server.OperatorKey());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        var op = As(platform.Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var leader = await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "leader", Name = "网页测试" }, op);
        var signedIn = await WebSignIn.PostLoginAsync(http, leader.Key);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("assess_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        Assert.Matches(@"^/20\d\d$", (await http.GetAsync("/")).Headers.Location?.OriginalString); // home: the latest year's overview
        var response = await http.GetAsync("/2024/ranking");
        var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        // Script only from the workbench itself (the upload progress, /assets/upload.js): never inline, never eval.
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(csp, "unsafe-inline")); // styles only
        Assert.Contains("style-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var page = await response.Content.ReadAsStringAsync();
        var bulletin = await http.GetAsync("/bulletin/2024.html");
        // A leader sees no results of an unpublished round (the tenant asks no comments): the page says so.
        Assert.Equal(System.Net.HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("2024 年度考核结果尚未发布", page, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;script&gt;", page, StringComparison.Ordinal);

        // An assessor's page shows the ranking, county names escaped.
        using (var assessorHandler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() })
        using (var assessorHttp = new HttpClient(assessorHandler) { BaseAddress = http.BaseAddress })
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(assessorHttp, platform.Keys["assessor"])).StatusCode);
            var ranking = await assessorHttp.GetStringAsync("/2024/ranking");
            Assert.Contains("测试市", ranking, StringComparison.Ordinal);
            Assert.Contains("/bulletin/2024.html", ranking, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;", ranking, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", ranking, StringComparison.Ordinal);
            // The bulletin (a tenant's template may have made it) is served sandboxed.
            var draft = await assessorHttp.GetAsync("/bulletin/2024.html");
            Assert.Equal(System.Net.HttpStatusCode.OK, draft.StatusCode);
            Assert.Contains("sandbox", string.Join(' ', draft.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        // A leader reads no draft (the round is not published and the tenant asks no comments): a Chinese page says why.
        Assert.Equal(System.Net.HttpStatusCode.Conflict, bulletin.StatusCode);
        Assert.Contains("尚未发布", await bulletin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var mine = await http.GetStringAsync("/bulletins");
        Assert.Contains("暂无分发给您的通报", mine, StringComparison.Ordinal);

        // A year without a round says so in Chinese, never an empty 500.
        var noRound = await http.GetAsync("/2035");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, noRound.StatusCode);
        Assert.Contains("2035 年度考核尚未开启", await noRound.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/bulletin/2035.html")).StatusCode);

        // Revoking the key ends the session on the next page.
        await admin.RevokeCredentialAsync(new CredentialRef { Tenant = "itest", Id = leader.Credential.Id }, op);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await http.GetAsync("/")).StatusCode);
    }
}

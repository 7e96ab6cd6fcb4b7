using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// What the workbench answers to requests a page does not take: every status of 400 and above is the Chinese page with
/// a body, never a 500 for bad input, and signing out ends the session for every role.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class WebAnswerTests(PlatformFixture platform)
{
    private static readonly string[] Pages = ["/2024", "/2024/ranking", "/2024/form", "/bulletins", "/admin", "/2024/scheme", "/2024/counties/alpha", "/login", "/logout", "/"];

    private async Task<(HttpClient Http, HttpClientHandler Handler)> SignedInAsync(string? key)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        if (key is not null)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, key)).StatusCode);
        }

        return (http, handler);
    }

    private async Task<Dictionary<string, string>> People()
    {
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var tenantAdmin = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "tenant_admin", Name = "网页应答管理员" }, As(platform.Server.OperatorKey()))).Key;
        return new Dictionary<string, string>
        {
            ["assessor"] = platform.Keys["assessor"],
            ["leader"] = platform.Keys["leader"],
            ["tenant-admin"] = tenantAdmin,
            ["county"] = platform.Keys["alpha"],
            ["unit"] = platform.Keys["alpha/u1"],
        };
    }

    private static async Task<string> TokenAsync(HttpClient http, string page)
    {
        var html = await http.GetStringAsync(page);
        return TokenPattern().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no token on {page}");
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_lands_on_the_sign_in_page_for_every_role()
    {
        foreach (var (role, key) in await People())
        {
            var (http, handler) = await SignedInAsync(key);
            using (http)
            using (handler)
            {
                var home = await http.GetAsync("/");
                var landing = home.Headers.Location!.OriginalString;
                var token = await TokenAsync(http, landing);
                var signOut = await http.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token }));
                Assert.True(signOut.StatusCode == HttpStatusCode.Redirect, $"{role}: sign-out answered {(int)signOut.StatusCode}");
                Assert.Equal("/login", signOut.Headers.Location!.OriginalString);
                var after = await http.GetAsync(landing);
                Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
                Assert.StartsWith("/login", after.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Posts_a_page_does_not_take_and_handlers_it_does_not_have_answer_a_Chinese_page_and_never_500()
    {
        var failures = new List<string>();
        foreach (var (role, key) in await People())
        {
            var (http, handler) = await SignedInAsync(key);
            using (http)
            using (handler)
            {
                var landing = (await http.GetAsync("/")).Headers.Location!.OriginalString;
                var token = await TokenAsync(http, landing);
                foreach (var page in Pages)
                {
                    foreach (var target in new[] { page, page + "?handler=Nope" + role.Length, page + "?handler=" })
                    {
                        // Sign-out is tried last by the other test; here it must not end the session.
                        if (page == "/logout")
                        {
                            continue;
                        }

                        using var response = await http.PostAsync(target, new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["x"] = "1" }));
                        var body = await response.Content.ReadAsStringAsync();
                        var status = (int)response.StatusCode;
                        if (status >= 500 || (status >= 400 && !ChineseTitle().IsMatch(body)))
                        {
                            failures.Add($"{role} POST {target}: {status} ({body.Length} bytes)");
                        }
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_failed_antiforgery_check_and_an_oversized_upload_answer_the_Chinese_page()
    {
        var (http, handler) = await SignedInAsync(platform.Keys["assessor"]);
        using (http)
        using (handler)
        {
            foreach (var token in new[] { "", "garbage", new string('a', 4000), "CfDJ8" + new string('A', 200) })
            {
                using var refused = await http.PostAsync("/2024/scheme", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token }));
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Contains("请求无效", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Over the page's limits (264 KiB body, 232 KiB form) but small enough that the client finishes sending before
            // the server answers: a much larger body is cut off mid-send and the client never reads the page.
            var valid = await TokenAsync(http, "/2024/scheme");
            using var upload = new MultipartFormDataContent
            {
                { new StringContent(valid), "__af" },
                { new ByteArrayContent(Encoding.UTF8.GetBytes(new string('x', 300 * 1024))), "scheme", "scheme.yaml" },
            };
            using var tooLarge = await http.PostAsync("/2024/scheme?handler=Try", upload);
            Assert.True((int)tooLarge.StatusCode is 400 or 413, $"{(int)tooLarge.StatusCode}");
            Assert.Matches(ChineseTitle(), await tooLarge.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Return_addresses_of_every_form_are_followed_only_within_the_site_and_never_fail_the_sign_in()
    {
        // Generated: escaped and raw separators, control characters, surrogates, schemes, long paths.
        string[] pieces = ["/", "//", "\\", "%2F", "%5C", "%0d%0a", "%00", "%E0%A4%A", "%uD800", "%25", "javascript:", "http://x", "..", "a", "年", "?", "#", " ", "\t", "@"];
        var random = new Random(1206);
        var backs = Enumerable.Range(0, 60).Select(_ => string.Concat(Enumerable.Range(0, 1 + random.Next(5)).Select(_ => pieces[random.Next(pieces.Length)]))).ToList();
        backs.Add("/" + new string('a', 600));
        foreach (var back in backs)
        {
            var (http, handler) = await SignedInAsync(null);
            using (http)
            using (handler)
            {
                using var page = await http.GetAsync("/login?back=" + back);
                Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET back={back}: {(int)page.StatusCode}");
                var html = await page.Content.ReadAsStringAsync();
                var fields = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelectorAll("form#key-login input[type=hidden]")
                    .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
                fields["key"] = platform.Keys["assessor"];
                fields["back"] = Uri.UnescapeDataString(back.Replace("%u", "u", StringComparison.Ordinal));
                using var signIn = await http.PostAsync("/login", new FormUrlEncodedContent(fields));
                if (signIn.StatusCode == HttpStatusCode.BadRequest)
                {
                    // A form the server cannot read (a NUL in a field no browser would post): the Chinese page.
                    Assert.Matches(ChineseTitle(), await signIn.Content.ReadAsStringAsync());
                    continue;
                }

                Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"POST back={back}: {(int)signIn.StatusCode}");
                var location = signIn.Headers.Location!.OriginalString;
                Assert.True(location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal), $"back={back} went to {location}");
            }
        }
    }

    [Fact]
    public async Task The_forms_preview_lists_each_change_old_to_new_and_a_computed_rate_is_shown_not_asked()
    {
        var (http, handler) = await SignedInAsync(platform.Keys["gamma/u1"]);
        using (http)
        using (handler)
        {
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await http.GetStringAsync("/2024/form"));
            var form = page.QuerySelector("form.entry")!;
            Assert.Null(form.QuerySelector("input[name='v.mediation.success_rate']")); // the platform computes it
            Assert.NotNull(page.QuerySelector("[data-code='mediation.success_rate'] output"));
            var fields = form.QuerySelectorAll("input[type=hidden]").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
            var label = page.QuerySelector("label[for='v-legalaid-documents_drafted']")!.TextContent;
            fields["__af"] = page.QuerySelector("form.entry input[name=__af]")?.GetAttribute("value") ?? TokenPattern().Match(page.DocumentElement.OuterHtml).Groups[1].Value;
            fields["v.legalaid.documents_drafted"] = "4321";
            fields["preview"] = "true";
            using var response = await http.PostAsync("/2024/form", new FormUrlEncodedContent(fields));
            var html = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
            var rows = html.QuerySelectorAll("table.changes tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToArray()).ToList();
            var row = Assert.Single(rows, r => label.StartsWith(r[0], StringComparison.Ordinal));
            Assert.Equal("4321", row[2]);
        }
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("<title>[^<]*[\u4e00-\u9fff][^<]*</title>")]
    private static partial Regex ChineseTitle();
}

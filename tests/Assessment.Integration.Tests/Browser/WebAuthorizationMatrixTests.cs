using System.Net;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// The web routes as rows of the authorization matrix: every page × every kind of person × own county, another
/// county, another tenant's county and a county that exists nowhere, on the shared test tenant's open 2024 round.
/// Another tenant's county and a missing one answer byte for byte alike; so do every county a county key may not see.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class WebAuthorizationMatrixTests(PlatformFixture platform)
{
    private const string Assessor = "assessor", Member = "member", Leader = "leader", Admin = "tenant-admin", County = "county", Unit = "unit", Anonymous = "anonymous";

    private static readonly string[] Counties = ["alpha", "beta", "oc1", "zz-missing"];

    /// <summary>What each person gets on each route (by county where the route names one): a status code.</summary>
    private static int Expect(string route, string person, string county) => (route, person) switch
    {
        (_, Anonymous) => 302, // to the sign-in page
        ("/2024", County or Unit or Member) => 302, // to their own county, form or the 考核组评分表
        ("/2024/panel", Assessor or Member) => 200,
        ("/2024/panel", _) => 403,
        ("/2024", _) => 200,
        ("/2024/ranking", Assessor or Admin) => 200,
        ("/2024/ranking", Leader) => 409, // results not published
        ("/2024/ranking", _) => 403,
        ("/2024/form", County or Unit) => 200,
        ("/2024/form", _) => 403,
        ("/2024/evidence", County or Unit) => 200,
        ("/2024/evidence", _) => 403,
        ("/2024/counties/{c}/materials", Unit or Leader or Member) => 403,
        ("/2024/counties/{c}/materials", County) => county == "alpha" ? 200 : 403,
        ("/2024/counties/{c}/materials", _) when county is "oc1" or "zz-missing" => 404,
        ("/2024/counties/{c}/materials", _) => 200,
        ("/2024/counties/{c}/evidence.zip", Unit or Leader or Member) => 403,
        ("/2024/counties/{c}/evidence.zip", County) => county == "alpha" ? 200 : 403,
        ("/2024/counties/{c}/evidence.zip", _) when county is "oc1" or "zz-missing" => 404,
        ("/2024/counties/{c}/evidence.zip", _) => 200,
        ("/evidence/{id}", Leader or Member) => 403,
        ("/evidence/{id}", _) => 404, // nobody's file: one answer for every reader
        ("/bulletins", Leader) => 200,
        ("/bulletins", _) => 302,
        ("/bulletin/2024.html", Assessor or Admin) => 200, // the draft (征求意见稿)
        ("/bulletin/2024.html", Leader) => 409,
        ("/bulletin/2024.html", _) => 403,
        ("/admin", Admin) => 200,
        ("/admin", _) => 403,
        ("/accounts", Admin) => 200,
        ("/accounts", _) => 403,
        ("/events", Admin) => 200,
        ("/events", _) => 403,
        ("/account", _) => 200, // one's own sessions (a key's session: none to list)
        ("/2024/scheme", Assessor or Admin) => 200,
        ("/2024/scheme", _) => 403,
        ("/2024/scheme/edit", Assessor or Admin) => 200,
        ("/2024/scheme/edit", _) => 403,
        ("/2024/counties/{c}", Unit or Member) => 403,
        ("/2024/counties/{c}", County) => county == "alpha" ? 200 : 403,
        ("/2024/counties/{c}", _) when county is "oc1" or "zz-missing" => 404,
        ("/2024/counties/{c}", Leader) => 409,
        ("/2024/counties/{c}", _) => 200,
        _ => throw new InvalidOperationException(route),
    };

    [Fact]
    public async Task Every_page_answers_every_person_and_county_as_the_roles_and_scopes_say()
    {
        var op = As(platform.Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var other = $"web-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = other, Name = "他市", Issuer = "他市法治办", DocumentPrefix = "他法办", Recipients = "他市各县" }, op);
        await admin.AddCountyAsync(new AddCountyRequest { Tenant = other, County = "oc1", Name = "他市甲县" }, op);
        var tenantAdmin = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "tenant_admin", Name = "网页矩阵管理员" }, op)).Key;
        var people = new Dictionary<string, string?>
        {
            [Anonymous] = null,
            [Unit] = platform.Keys["alpha/u1"],
            [County] = platform.Keys["alpha"],
            [Assessor] = platform.Keys["assessor"],
            [Leader] = platform.Keys["leader"],
            [Member] = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "member", Name = "网页矩阵考核组成员" }, op)).Key,
            [Admin] = tenantAdmin,
        };
        string[] routes = ["/2024", "/2024/panel", "/2024/ranking", "/2024/form", "/bulletins", "/bulletin/2024.html", "/admin", "/accounts", "/events", "/account", "/2024/scheme", "/2024/scheme/edit", "/2024/counties/{c}", "/2024/evidence", "/evidence/{id}", "/2024/counties/{c}/materials", "/2024/counties/{c}/evidence.zip"];

        var failures = new List<string>();
        var cells = 0;
        foreach (var (person, key) in people)
        {
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
            if (key is not null)
            {
                Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, key)).StatusCode);
            }

            foreach (var route in routes)
            {
                var bodies = new Dictionary<string, (int Status, string Body)>();
                foreach (var county in route.Contains("{c}", StringComparison.Ordinal) ? Counties : ["alpha"])
                {
                    using var response = await http.GetAsync(route.Replace("{c}", county, StringComparison.Ordinal).Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal));
                    // The sign-out form's antiforgery token differs on every page; nothing else may.
                    var body = AntiforgeryToken().Replace(await response.Content.ReadAsStringAsync(), "");
                    bodies[county] = ((int)response.StatusCode, body);
                    cells++;
                    var expected = Expect(route, person, county);
                    if ((int)response.StatusCode != expected)
                    {
                        failures.Add($"{route} ({county}) as {person}: expected {expected}, got {(int)response.StatusCode}");
                    }

                    if (body.Contains("他市", StringComparison.Ordinal))
                    {
                        failures.Add($"{route} ({county}) as {person}: the page shows the other tenant's data");
                    }

                    if ((int)response.StatusCode >= 400 && !body.Contains("返回首页", StringComparison.Ordinal))
                    {
                        failures.Add($"{route} ({county}) as {person}: {(int)response.StatusCode} without the Chinese error page");
                    }
                }

                if (bodies.Count == Counties.Length && person != Anonymous)
                {
                    // Refusals that must not tell what exists: another tenant's county and a missing one alike, and
                    // every county a county key may not open alike.
                    if (bodies["oc1"] != bodies["zz-missing"])
                    {
                        failures.Add($"{route} as {person}: another tenant's county and a missing one answer differently");
                    }

                    if (person == County && bodies["beta"] != bodies["zz-missing"])
                    {
                        failures.Add($"{route} as {person}: another county and a missing one answer differently");
                    }
                }
            }
        }

        // Actions: every one refused (403, nothing done) to each person whose role does not own it, with a valid
        // antiforgery token from a page they may open — the page's role rule, not the token, is what refuses them.
        (string Path, string[] Owners, Dictionary<string, string> Fields)[] actions =
        [
            ("/2024/counties/alpha?handler=Return", [Assessor], new() { ["reason"] = "矩阵", ["version"] = "1" }),
            ("/2024/counties/alpha?handler=Approve", [Assessor], new() { ["version"] = "1" }),
            ("/2024/counties/alpha?handler=Adjust", [Assessor], new() { ["target"] = "org", ["points"] = "1", ["reason"] = "矩阵", ["version"] = "1" }),
            ("/2024/counties/alpha?handler=Submit", [County], new() { ["confirmed"] = "true", ["version"] = "1" }),
            ("/2024?handler=Publish", [Assessor], new() { ["version"] = "1" }),
            ("/2024/panel", [Assessor, Member], new() { ["s.alpha"] = "80" }),
            ("/2024/scheme?handler=Define", [Assessor], new() { ["deadline"] = "2030-01-01T00:00" }),
            ("/admin?handler=Issue", [Admin], new() { ["role"] = "leader", ["name"] = "矩阵" }),
            ("/2024/form", [Unit, County], new() { ["v.legalaid.cases"] = "1" }),
            ("/2024/evidence?handler=Upload", [Unit, County], new() { ["indicator"] = "legalaid.cases", ["key"] = Guid.NewGuid().ToString() }),
            ("/2024/evidence?handler=Remove", [Unit, County], new() { ["id"] = Guid.NewGuid().ToString(), ["reason"] = "矩阵" }),
            ("/2024/counties/alpha/materials?handler=Review", [Assessor], new() { ["indicator"] = "legalaid.cases", ["finding"] = "complete", ["version"] = "1" }),
        ];
        foreach (var (person, key) in people.Where(p => p.Value is not null))
        {
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
            Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(http, key!)).StatusCode);
            var page = await http.GetStringAsync(person is Unit or County ? "/2024/form" : person is Member ? "/2024/panel" : "/2024");
            var token = TokenValue().Match(page).Groups[1].Value;
            foreach (var (path, owners, fields) in actions.Where(a => !a.Owners.Contains(person)))
            {
                var form = new Dictionary<string, string>(fields) { ["__af"] = token, ["requestId"] = Guid.NewGuid().ToString() };
                using var response = await http.PostAsync(path, new FormUrlEncodedContent(form));
                cells++;
                if (response.StatusCode != HttpStatusCode.Forbidden)
                {
                    failures.Add($"POST {path} as {person}: expected 403, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:\n{string.Join('\n', failures)}");
    }

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"[^\"]*\"|value=\"[^\"]*\" name=\"__af\"")]
    private static partial System.Text.RegularExpressions.Regex AntiforgeryToken();

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex TokenValue();
}

using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using AngleSharp.Html.Parser;
using Grpc.Core;
using AuditChain = Assessment.Domain.Workflow.AuditChain;
using AuditRecord = Assessment.Domain.Workflow.AuditRecord;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Single sign-on against a real OpenID provider (oidc-provider on loopback), driven as a browser drives it (cookies,
/// redirects, the provider's login form): the authorization code flow with PKCE ends in a session and an account of the
/// mapped role; a replayed callback, a replayed code, an id_token for another audience, from another issuer or with
/// another nonce, and a person whose claims map to no role or to no county of the roster are refused with nothing
/// created; an issuer the address rules or its own discovery document refuse is never stored.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SingleSignOnTests(PlatformFixture platform)
{
    private static readonly Dictionary<string, object> People = new()
    {
        ["zhang"] = new { name = "张三", email = "zhang@example.gov.cn", email_verified = true, roles = new[] { "普通用户", "法治督察科" }, city = "540600" },
        ["zhao"] = new { name = "赵一", email = "zhao@example.gov.cn", email_verified = false, roles = new[] { "市领导" }, city = "540700" },
        ["pwdonly"] = new { name = "孙八", roles = new[] { "法治督察科" } },
        ["li"] = new { name = "李四", roles = new[] { "县法治办" }, county = "c1" },
        ["wang"] = new { name = "王五", roles = new[] { "司法局填报" }, county = "c1", unit = "u1" },
        ["nobody"] = new { name = "赵六", roles = new[] { "食堂" } },
        ["stray"] = new { name = "钱七", roles = new[] { "县法治办" }, county = "not-in-roster" },
    };

    private AdminService.AdminServiceClient Admin => new(platform.Server.Channel);

    private string Web => $"http://127.0.0.1:{platform.Server.Config.WebPort}";

    [Fact]
    public async Task A_person_signs_in_through_the_provider_as_the_mapped_role_and_the_admin_sees_disables_and_audits_the_account()
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);

        using var browser = Browser();
        var callback = await ThroughProviderAsync(browser, tenant, "zhang");
        var landed = await ExpectAsync(HttpStatusCode.OK, await browser.GetAsync(callback));
        var page = await landed.Content.ReadAsStringAsync();
        Assert.Contains("登录成功", page, StringComparison.Ordinal);
        Assert.Contains("http-equiv=\"refresh\"", page, StringComparison.Ordinal);
        Assert.True(await SignedInAsync(browser));
        Assert.Contains("张三", await browser.GetStringAsync("/account"), StringComparison.Ordinal);

        // A county clerk and a unit clerk: their county and unit come from their claims.
        using var county = Browser();
        Assert.Equal(HttpStatusCode.OK, (await county.GetAsync(await ThroughProviderAsync(county, tenant, "li"))).StatusCode);
        using var unit = Browser();
        Assert.Equal(HttpStatusCode.OK, (await unit.GetAsync(await ThroughProviderAsync(unit, tenant, "wang"))).StatusCode);
        Assert.True(await SignedInAsync(unit));

        // Signing in again finds the same account.
        using var again = Browser();
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync(await ThroughProviderAsync(again, tenant, "zhang"))).StatusCode);
        var accounts = (await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts;
        Assert.Equal(3, accounts.Count);
        Assert.All(accounts, a => Assert.Matches("^sso:[0-9a-f]{20}$", a.Login));
        Assert.All(accounts, a => Assert.True(a.SingleSignOn));
        Assert.All(accounts, a => Assert.Equal("active", a.State));
        var assessor = Assert.Single(accounts, a => a.Name == "张三");
        Assert.Equal(("assessor", "", "zhang@example.gov.cn"), (assessor.Role, assessor.County, assessor.Email));
        var clerk = Assert.Single(accounts, a => a.Name == "王五");
        Assert.Equal(("unit", "c1", "u1"), (clerk.Role, clerk.County, clerk.Unit));

        // The provider manages the password: no reset here. Disabling ends the sessions and refuses the next sign-in.
        await Refusals.ExpectAsync(StatusCode.FailedPrecondition, null,
            () => Admin.ResetAccountAsync(new AccountRef { Login = assessor.Login, RequestId = Guid.NewGuid().ToString() }, admin).ResponseAsync);
        await Admin.DisableAccountAsync(new AccountRef { Login = assessor.Login, RequestId = Guid.NewGuid().ToString() }, admin);
        Assert.False(await SignedInAsync(browser));
        using var after = Browser();
        var refused = await after.GetAsync(await ThroughProviderAsync(after, tenant, "zhang"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("停用", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(after));

        var actions = (await AuditAsync(tenant)).Select(r => AuditChain.Parse(r.Body).Action).ToList();
        foreach (var action in new[] { "sso_configure", "account_create", "sign_in", "account_disable", "sso_refused" })
        {
            Assert.Contains(action, actions);
        }
    }

    [Fact]
    public async Task A_replayed_callback_and_a_replayed_code_are_refused_and_start_no_session()
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);

        using var browser = Browser(out var jar);
        var callback = await ThroughProviderAsync(browser, tenant, "zhang");
        var flowCookie = jar.GetCookies(new Uri(Web + "/login/sso/callback"))["assess_sso"]!;
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(callback)).StatusCode);

        // The same callback again, with the flow's cookie as it was (an attacker who copied both): refused, no session.
        using var replay = Browser(out var replayJar);
        replayJar.Add(new Uri(Web), new Cookie("assess_sso", flowCookie.Value, "/login/sso"));
        var replayed = await replay.GetAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("不能重复使用", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(replay));

        // The used code inside a fresh sign-in of its own (state and cookie right): the provider refuses the code.
        using var fresh = Browser();
        var state = Query(await StartAsync(fresh, tenant), "state");
        var code = Query(callback, "code");
        var withOldCode = await fresh.GetAsync($"/login/sso/callback?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state)}");
        Assert.Equal(HttpStatusCode.Unauthorized, withOldCode.StatusCode);
        Assert.Contains("授权码", await withOldCode.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(fresh));

        // A callback without a flow of this browser, or with another state, is refused before the provider is asked.
        using var stranger = Browser();
        Assert.Equal(HttpStatusCode.BadRequest, (await stranger.GetAsync(callback)).StatusCode);
        using var mismatched = Browser();
        await mismatched.GetAsync($"/login/sso?tenant={tenant}");
        Assert.Equal(HttpStatusCode.BadRequest, (await mismatched.GetAsync($"/login/sso/callback?code=x&state=not-this-one")).StatusCode);

        // A provider's error answer is answered once too: sent again, it is a replay (nothing more is written).
        using var cancelled = Browser();
        var cancel = $"/login/sso/callback?error=access_denied&state={Uri.EscapeDataString(Query(await StartAsync(cancelled, tenant), "state"))}";
        Assert.Contains("取消", await (await ExpectAsync(HttpStatusCode.Unauthorized, await cancelled.GetAsync(cancel))).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await cancelled.GetAsync(cancel)).StatusCode);

        Assert.Single((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts);
    }

    [Theory]
    [InlineData("aud", "another-client", "受众不符")]
    [InlineData("iss", "https://idp.attacker.example", "签发者")]
    [InlineData("nonce", "a-nonce-of-another-sign-in", "nonce")]
    [InlineData("exp", "1000000000", "过期")]
    public async Task An_id_token_with_a_wrong_claim_is_refused_though_signed_by_the_provider(string claim, string value, string said)
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);
        await provider.TamperAsync((claim, value));

        using var browser = Browser();
        var answer = await browser.GetAsync(await ThroughProviderAsync(browser, tenant, "zhang"));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Contains(said, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(browser));
        Assert.Empty((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts);
    }

    [Theory]
    [InlineData("nobody", "没有对应本系统的角色")]
    [InlineData("stray", "县（区）")]
    public async Task A_person_whose_claims_map_to_no_role_or_no_county_of_the_roster_is_refused_and_gets_no_account(string user, string said)
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);

        using var browser = Browser();
        var answer = await browser.GetAsync(await ThroughProviderAsync(browser, tenant, user));
        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Contains(said, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(browser));
        Assert.Empty((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts);
        Assert.Contains("sso_refused", (await AuditAsync(tenant)).Select(r => AuditChain.Parse(r.Body).Action));
    }

    [Fact]
    public async Task Tenants_sharing_a_provider_must_each_name_their_people_and_a_person_of_one_never_enters_another()
    {
        await using var provider = await StartProviderAsync();
        var (first, firstAdmin) = await TenantWithProviderAsync(provider);

        // A second tenant on the same provider: refused while either tenant does not say who its people are.
        var (second, secondAdmin) = await TenantAsync();
        var shared = Settings(provider, [("市领导", "leader"), ("法治督察科", "assessor")], "city", "540700");
        await Refusals.ExpectAsync(StatusCode.FailedPrecondition, null, () => Admin.SetSingleSignOnAsync(shared, secondAdmin).ResponseAsync);
        await Admin.SetSingleSignOnAsync(Settings(provider, [("法治督察科", "assessor"), ("县法治办", "county"), ("司法局填报", "unit")], "city", "540600"), firstAdmin);
        await Refusals.ExpectAsync(StatusCode.FailedPrecondition, null, () => Admin.SetSingleSignOnAsync(Settings(provider, [("市领导", "leader")]), secondAdmin).ResponseAsync);
        shared.RequestId = Guid.NewGuid().ToString();
        Assert.True((await Admin.SetSingleSignOnAsync(shared, secondAdmin)).Enabled);

        // 张三 (540600) enters the first tenant only; 赵一 (540700) the second only; 孙八 (no city) neither.
        using var a = Browser();
        await ExpectAsync(HttpStatusCode.OK, await a.GetAsync(await ThroughProviderAsync(a, first, "zhang")));
        using var b = Browser();
        var foreign = await ExpectAsync(HttpStatusCode.Forbidden, await b.GetAsync(await ThroughProviderAsync(b, second, "zhang")));
        Assert.Contains("不属于本租户", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await SignedInAsync(b));
        using var c = Browser();
        await ExpectAsync(HttpStatusCode.OK, await c.GetAsync(await ThroughProviderAsync(c, second, "zhao")));
        using var d = Browser();
        await ExpectAsync(HttpStatusCode.Forbidden, await d.GetAsync(await ThroughProviderAsync(d, first, "zhao")));
        using var e = Browser();
        await ExpectAsync(HttpStatusCode.Forbidden, await e.GetAsync(await ThroughProviderAsync(e, first, "pwdonly")));

        var firstAccounts = (await Admin.ListAccountsAsync(new ListAccountsRequest(), firstAdmin)).Accounts;
        Assert.Equal("张三", Assert.Single(firstAccounts).Name);
        var leader = Assert.Single((await Admin.ListAccountsAsync(new ListAccountsRequest(), secondAdmin)).Accounts);
        Assert.Equal(("赵一", "leader", ""), (leader.Name, leader.Role, leader.Email)); // an unverified address is not taken

        // A tenant without a provider sends nobody away.
        var (bare, _) = await TenantAsync();
        using var f = Browser();
        foreach (var tenant in new[] { bare, "no-such-tenant", "", "../x", new string('a', 200) })
        {
            var answer = await f.GetAsync($"/login/sso?tenant={Uri.EscapeDataString(tenant)}");
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
            Assert.Contains("没有开通统一身份认证", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_role_that_needs_a_second_factor_needs_one_at_the_provider_unless_the_tenant_trusts_the_provider_for_it()
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);

        using var browser = Browser();
        var refused = await ExpectAsync(HttpStatusCode.Forbidden, await browser.GetAsync(await ThroughProviderAsync(browser, tenant, "pwdonly")));
        Assert.Contains("第二重验证", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts);

        var trusting = Settings(provider, [("法治督察科", "assessor")]);
        trusting.TrustProviderSecondFactor = true;
        Assert.True((await Admin.SetSingleSignOnAsync(trusting, admin)).TrustProviderSecondFactor);
        // Who decided to trust the provider, and what it replaced, is in the tenant's audit chain.
        var configured = (await AuditAsync(tenant)).Select(r => AuditChain.Parse(r.Body)).Last(e => e.Action == "sso_configure");
        Assert.Contains("trust_provider_second_factor=yes", configured.After, StringComparison.Ordinal);
        Assert.Contains("trust_provider_second_factor=no", configured.Before, StringComparison.Ordinal);
        Assert.Contains("tenant_condition=", configured.After, StringComparison.Ordinal);
        using var again = Browser();
        await ExpectAsync(HttpStatusCode.OK, await again.GetAsync(await ThroughProviderAsync(again, tenant, "pwdonly")));
        Assert.True(await SignedInAsync(again));
    }

    [Fact]
    public async Task Sessions_end_when_the_role_they_act_as_changes_when_the_provider_stops_vouching_and_when_single_sign_on_is_turned_off()
    {
        await using var provider = await StartProviderAsync();
        var (tenant, admin) = await TenantWithProviderAsync(provider);
        using var first = Browser();
        await ExpectAsync(HttpStatusCode.OK, await first.GetAsync(await ThroughProviderAsync(first, tenant, "zhang")));
        Assert.True(await SignedInAsync(first));

        // The mapping changes: 法治督察科 now means leader. The next sign-in brings the account up to date and the
        // session that acted as an assessor ends; the new one acts as a leader.
        await Admin.SetSingleSignOnAsync(Settings(provider, [("法治督察科", "leader")]), admin);
        using var second = Browser();
        await ExpectAsync(HttpStatusCode.OK, await second.GetAsync(await ThroughProviderAsync(second, tenant, "zhang")));
        Assert.False(await SignedInAsync(first));
        Assert.True(await SignedInAsync(second));
        Assert.Equal("leader", Assert.Single((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts).Role);

        // The provider no longer gives a mapped role: the refusal also ends the sessions an earlier sign-in began.
        await Admin.SetSingleSignOnAsync(Settings(provider, [("另一个科室", "leader")]), admin);
        using var third = Browser();
        await ExpectAsync(HttpStatusCode.Forbidden, await third.GetAsync(await ThroughProviderAsync(third, tenant, "zhang")));
        Assert.False(await SignedInAsync(second));

        // Turned off: every session of single sign-on ends; the accounts stay for the record.
        await Admin.SetSingleSignOnAsync(Settings(provider, [("法治督察科", "leader")]), admin);
        using var fourth = Browser();
        await ExpectAsync(HttpStatusCode.OK, await fourth.GetAsync(await ThroughProviderAsync(fourth, tenant, "zhang")));
        Assert.True(await SignedInAsync(fourth));
        await Admin.SetSingleSignOnAsync(new SetSingleSignOnRequest { RequestId = Guid.NewGuid().ToString() }, admin);
        Assert.False(await SignedInAsync(fourth));
        Assert.Single((await Admin.ListAccountsAsync(new ListAccountsRequest(), admin)).Accounts);
    }

    [Fact]
    public async Task An_issuer_that_the_address_rules_or_its_discovery_document_refuse_and_every_malformed_mapping_are_never_stored()
    {
        await using var provider = await StartProviderAsync();
        var (_, admin) = await TenantAsync();
        SetSingleSignOnRequest Request(string issuer, Action<SetSingleSignOnRequest>? change = null)
        {
            var request = new SetSingleSignOnRequest
            {
                Issuer = issuer, ClientId = OpenIdProvider.ClientId, ClientSecret = OpenIdProvider.ClientSecret,
                Roles = { new RoleMapping { Value = "法治督察科", Role = "assessor" } }, RequestId = Guid.NewGuid().ToString(),
            };
            change?.Invoke(request);
            return request;
        }

        // Addresses the rules refuse (the same as for webhooks).
        foreach (var issuer in new[] { "ftp://idp.example.cn", "http://idp.example.cn", "https://10.1.2.3", "https://169.254.169.254", "https://user:pw@idp.example.cn",
                     "https://idp.example.cn/\u202e", "not an address", "https://metadata.google.internal" })
        {
            await Refusals.ExpectAsync(StatusCode.InvalidArgument, "issuer", () => Admin.SetSingleSignOnAsync(Request(issuer), admin).ResponseAsync);
        }

        // Issuers the discovery document does not confirm: another spelling, a path, nobody listening.
        foreach (var issuer in new[] { provider.Issuer + "/", provider.Issuer + "/tenant", $"http://127.0.0.1:{FreePort()}" })
        {
            var refused = await Refusals.ExpectAsync(StatusCode.FailedPrecondition, null, () => Admin.SetSingleSignOnAsync(Request(issuer), admin).ResponseAsync);
            Assert.Matches(new Regex("issuer|发现文档"), refused.Status.Detail);
        }

        // Mappings the rules refuse.
        var mappings = new (string Field, Action<SetSingleSignOnRequest> Change)[]
        {
            ("client_id", r => r.ClientId = ""),
            ("client_id", r => r.ClientId = "has space"),
            ("client_id", r => r.ClientId = new string('c', 201)),
            ("client_secret", r => r.ClientSecret = "bad\u0001secret"),
            ("roles", r => r.Roles.Clear()),
            ("roles", r => r.Roles.Add(Enumerable.Range(0, 60).Select(i => new RoleMapping { Value = $"v{i}", Role = "leader" }))),
            ("roles", r => r.Roles.Add(new RoleMapping { Value = "法治督察科", Role = "leader" })),
            ("roles[1].role", r => r.Roles.Add(new RoleMapping { Value = "x", Role = "operator" })),
            ("roles[1].role", r => r.Roles.Add(new RoleMapping { Value = "x", Role = "" })),
            ("roles[1].value", r => r.Roles.Add(new RoleMapping { Value = "", Role = "leader" })),
            ("roles[1].value", r => r.Roles.Add(new RoleMapping { Value = new string('值', 201), Role = "leader" })),
            ("role_claim", r => r.RoleClaim = "has space"),
            ("role_claim", r => r.RoleClaim = new string('r', 65)),
            ("county_claim", r => r.CountyClaim = "县"),
            ("unit_claim", r => r.UnitClaim = "unit\n"),
            ("name_claim", r => r.NameClaim = "na\"me"),
            ("email_claim", r => r.EmailClaim = "e{mail}"),
        };
        foreach (var (field, change) in mappings)
        {
            await Refusals.ExpectAsync(StatusCode.InvalidArgument, field, () => Admin.SetSingleSignOnAsync(Request(provider.Issuer, change), admin).ResponseAsync);
        }

        var stored = await Admin.GetSingleSignOnAsync(new GetSingleSignOnRequest(), admin);
        Assert.False(stored.Enabled);

        // The right one is stored (the secret never shown again); a retry with the same id is answered the same.
        var right = Request(provider.Issuer);
        var set = await Admin.SetSingleSignOnAsync(right, admin);
        Assert.Equal(set, await Admin.SetSingleSignOnAsync(right, admin));
        stored = await Admin.GetSingleSignOnAsync(new GetSingleSignOnRequest(), admin);
        Assert.True(stored.Enabled && stored.HasClientSecret);
        Assert.Equal(("roles", "county", "/login/sso/callback"), (stored.RoleClaim, stored.CountyClaim, stored.RedirectPath));
        Assert.DoesNotContain(OpenIdProvider.ClientSecret, stored.ToString(), StringComparison.Ordinal);

        // Off again.
        Assert.False((await Admin.SetSingleSignOnAsync(new SetSingleSignOnRequest { RequestId = Guid.NewGuid().ToString() }, admin)).Enabled);
        Assert.False((await Admin.GetSingleSignOnAsync(new GetSingleSignOnRequest(), admin)).Enabled);
    }

    /// <summary>How each person signs in at the provider: the assessor with a code too, everyone else with a password alone.</summary>
    private static readonly Dictionary<string, string[]> Methods = new() { ["zhang"] = ["pwd", "otp"] };

    private Task<OpenIdProvider> StartProviderAsync() => OpenIdProvider.StartAsync([$"{Web}/login/sso/callback"], People, Methods);

    private async Task<(string Tenant, CallOptions Admin)> TenantAsync()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var key = await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()));
        return (tenant.Id, As(key.Key));
    }

    /// <summary>A request setting <paramref name="provider"/> with these role mappings (and tenant condition).</summary>
    private static SetSingleSignOnRequest Settings(OpenIdProvider provider, (string Value, string Role)[] roles, string? tenantClaim = null, string? tenantValue = null)
    {
        var request = new SetSingleSignOnRequest
        {
            Issuer = provider.Issuer, ClientId = OpenIdProvider.ClientId, ClientSecret = OpenIdProvider.ClientSecret, RequestId = Guid.NewGuid().ToString(),
            TenantClaim = tenantClaim ?? "",
        };
        request.Roles.Add(roles.Select(r => new RoleMapping { Value = r.Value, Role = r.Role }));
        if (tenantValue is not null)
        {
            request.TenantValues.Add(tenantValue);
        }

        return request;
    }

    private async Task<(string Tenant, CallOptions Admin)> TenantWithProviderAsync(OpenIdProvider provider, params (string Value, string Role)[] roles)
    {
        var (tenant, admin) = await TenantAsync();
        var request = new SetSingleSignOnRequest
        {
            Issuer = provider.Issuer, ClientId = OpenIdProvider.ClientId, ClientSecret = OpenIdProvider.ClientSecret, RequestId = Guid.NewGuid().ToString(),
        };
        var mapping = roles.Length > 0 ? roles : [("法治督察科", "assessor"), ("县法治办", "county"), ("司法局填报", "unit")];
        request.Roles.Add(mapping.Select(r => new RoleMapping { Value = r.Value, Role = r.Role }));
        Assert.True((await Admin.SetSingleSignOnAsync(request, admin)).Enabled);
        return (tenant, admin);
    }

    private HttpClient Browser() => Browser(out _);

    private HttpClient Browser(out CookieContainer jar)
    {
        jar = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = jar, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri(Web) };
    }

    /// <summary>
    /// From the platform's start of the sign-in through the provider's login form, as a browser goes; returns the callback
    /// address the provider sends the browser back to (not followed).
    /// </summary>
    private async Task<Uri> ThroughProviderAsync(HttpClient browser, string tenant, string user)
    {
        var location = await StartAsync(browser, tenant);
        HttpResponseMessage response;
        Assert.Equal("S256", Query(location, "code_challenge_method"));
        for (var step = 0; step < 10; step++)
        {
            if (location.AbsoluteUri.StartsWith(Web + "/login/sso/callback", StringComparison.Ordinal))
            {
                return location;
            }

            response = await browser.GetAsync(location);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var form = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("form")!;
                response = await browser.PostAsync(new Uri(location, form.GetAttribute("action")),
                    new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = user, ["password"] = "任意" }));
            }

            Assert.True((int)response.StatusCode is >= 300 and < 400, $"the provider answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            location = new Uri(location, response.Headers.Location!);
        }

        throw new InvalidOperationException("the provider never sent the browser back");
    }

    /// <summary>Whether the browser has a session: its own account page answers, instead of a redirect to the sign-in page.</summary>
    private static async Task<bool> SignedInAsync(HttpClient browser)
    {
        var answer = await browser.GetAsync("/account");
        Assert.True(answer.StatusCode is HttpStatusCode.OK || answer.Headers.Location?.OriginalString.Contains("/login", StringComparison.Ordinal) == true,
            $"/account answered {answer.StatusCode} {answer.Headers.Location}");
        return answer.StatusCode == HttpStatusCode.OK;
    }

    /// <summary>The answer, when it has the status; else a failure that shows the page and the end of the server's output.</summary>
    private async Task<HttpResponseMessage> ExpectAsync(HttpStatusCode status, HttpResponseMessage answer)
    {
        if (answer.StatusCode != status)
        {
            var output = platform.Server.Output;
            Assert.Fail($"expected {status}, got {answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}\n--- server ---\n{output[Math.Max(0, output.Length - 4000)..]}");
        }

        return answer;
    }

    /// <summary>The platform's start of a sign-in: a page that moves on to the provider (its refresh and its link name the same address).</summary>
    private static async Task<Uri> StartAsync(HttpClient browser, string tenant)
    {
        var answer = await browser.GetAsync($"/login/sso?tenant={tenant}");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var page = new HtmlParser().ParseDocument(await answer.Content.ReadAsStringAsync());
        var link = page.QuerySelector("a#sso-continue")!.GetAttribute("href")!;
        Assert.Equal($"0;url={link}", page.QuerySelector("meta[http-equiv=refresh]")!.GetAttribute("content"));
        return new Uri(link);
    }

    private static string Query(Uri uri, string name) => System.Web.HttpUtility.ParseQueryString(uri.Query)[name] ?? "";

    private async Task<List<AuditRecord>> AuditAsync(string tenant)
    {
        var records = new List<AuditRecord>();
        await using var db = Npgsql.NpgsqlDataSource.Create(platform.Server.Config.ConnectionString);
        await using var read = db.CreateCommand("SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = @chain ORDER BY idx");
        read.Parameters.AddWithValue("chain", $"{tenant}/accounts");
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            records.Add(new AuditRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        Assert.True(AuditChain.Verify(records).Intact);
        return records;
    }
}

using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// Single sign-on in a real browser against a real OpenID provider: from the sign-in page's 统一身份认证 form to the
/// provider's login form and back into the workbench (the page after the callback moves on by itself), the tenant
/// admin seeing the account on 账号管理; a person the mapping gives no role reads why on the page.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SingleSignOnBrowserTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task A_person_signs_in_through_the_provider_into_the_workbench_and_one_without_a_role_reads_why()
    {
        await using var provider = await OpenIdProvider.StartAsync([$"http://127.0.0.1:{platform.Server.Config.WebPort}/login/sso/callback"], new Dictionary<string, object>
        {
            ["zhang"] = new { name = "张三", roles = new[] { "法治督察科" } },
            ["nobody"] = new { name = "赵六", roles = new[] { "食堂" } },
        }, new Dictionary<string, string[]> { ["zhang"] = ["pwd", "otp"] });
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var adminKey = (await new AdminService.AdminServiceClient(platform.Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()))).Key;
        await new AdminService.AdminServiceClient(platform.Server.Channel).SetSingleSignOnAsync(new SetSingleSignOnRequest
        {
            Issuer = provider.Issuer, ClientId = OpenIdProvider.ClientId, ClientSecret = OpenIdProvider.ClientSecret, RequestId = Guid.NewGuid().ToString(),
            Roles = { new RoleMapping { Value = "法治督察科", Role = "assessor" } },
        }, As(adminKey));

        var person = await browser.NewPageAsync(platform.Server);
        await ThroughProviderAsync(person, tenant.Id, "zhang");
        await person.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        await person.GotoAsync("/account");
        Assert.Contains("张三", await person.InnerTextAsync("main"), StringComparison.Ordinal);

        var admin = await browser.SignInAsync(platform.Server, adminKey);
        await admin.GotoAsync("/accounts");
        var row = await admin.InnerTextAsync("tr[data-account^='sso:']");
        Assert.Contains("张三", row, StringComparison.Ordinal);
        Assert.Contains("统一身份认证", row, StringComparison.Ordinal);
        Assert.Equal(0, await admin.Locator("tr[data-account^='sso:'] button:has-text('重置')").CountAsync());

        var stranger = await browser.NewPageAsync(platform.Server);
        await ThroughProviderAsync(stranger, tenant.Id, "nobody");
        await stranger.WaitForSelectorAsync("#sso-problem");
        Assert.Contains("没有对应本系统的角色", await stranger.InnerTextAsync("#sso-problem"), StringComparison.Ordinal);
    }

    private static async Task ThroughProviderAsync(IPage page, string tenant, string user)
    {
        await page.GotoAsync("/login");
        await page.FillAsync("#sso-tenant", tenant);
        await page.ClickAsync("#sso-login button[type=submit]");
        await page.WaitForSelectorAsync("input[name=login]");
        await page.FillAsync("input[name=login]", user);
        await page.FillAsync("input[name=password]", "任意密码");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForLoadStateAsync(LoadState.Load);
    }
}

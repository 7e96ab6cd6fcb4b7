using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Playwright;
using OtpNet;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// People signing in as people, in a real browser: the tenant admin opens an account on 账号管理 and hands over the
/// one-time link; the person sets a password, binds an authenticator (codes computed here from the secret the page
/// shows, as the app would) and signs in with password and code; a wrong code and a used code are refused; five wrong
/// passwords lock the account, the admin's reset recovers it, disabling it ends a live session.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AccountSignInTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    private const int Year = 2025;

    private async Task<(TestTenant Tenant, IPage Admin)> TenantWithAdminAsync()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var admin = await new AdminService.AdminServiceClient(platform.Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()));
        return (tenant, await browser.SignInAsync(platform.Server, admin.Key));
    }

    /// <summary>On 账号管理: opens an account and returns the one-time link the page shows.</summary>
    private static async Task<string> OpenAccountAsync(IPage admin, string login, string name, string role, string? county = null, string? unit = null)
    {
        await admin.GotoAsync("/accounts");
        await admin.FillAsync("#account-login", login);
        await admin.FillAsync("#account-name", name);
        await admin.SelectOptionAsync("#account-role", role);
        if (county is not null)
        {
            await admin.SelectOptionAsync("#account-county", county);
        }

        if (unit is not null)
        {
            await admin.FillAsync("#account-unit", unit);
        }

        await admin.ClickAsync("#create-account button[type=submit]");
        return (await admin.InnerTextAsync("#setup-link")).Trim();
    }

    private static async Task SetPasswordAsync(IPage person, string link, string password)
    {
        await person.GotoAsync(new Uri(link).PathAndQuery);
        await person.FillAsync("#password", password);
        await person.FillAsync("#confirm", password);
        await person.ClickAsync("#setup-form button[type=submit]");
        await person.WaitForURLAsync("**/login");
    }

    private static async Task EnterPasswordAsync(IPage person, string tenant, string login, string password)
    {
        await person.GotoAsync("/login");
        await person.FillAsync("#tenant", tenant);
        await person.FillAsync("#login", login);
        await person.FillAsync("#password", password);
        await person.ClickAsync("#account-login button[type=submit]");
        await person.WaitForLoadStateAsync(LoadState.Load);
    }

    private static string Code(string secret, DateTime at) => new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(at);

    [Fact]
    public async Task An_assessor_sets_a_password_binds_an_authenticator_and_signs_in_with_a_code_a_wrong_or_used_code_is_refused()
    {
        var (tenant, admin) = await TenantWithAdminAsync();
        var link = await OpenAccountAsync(admin, "wang.kaohe", "王考核", "assessor");
        Assert.Contains("/account/setup?token=", link, StringComparison.Ordinal);
        Assert.Contains("待设置密码", await admin.InnerTextAsync("tr[data-account='wang.kaohe']"), StringComparison.Ordinal);

        var person = await browser.NewPageAsync(platform.Server);
        // A password the rules refuse is answered in Chinese and the link still works.
        await person.GotoAsync(new Uri(link).PathAndQuery);
        await person.FillAsync("#password", "wang.kaohe-2026");
        await person.FillAsync("#confirm", "wang.kaohe-2026");
        await person.EvalOnSelectorAsync("#setup-form", "f => f.noValidate = true");
        await person.ClickAsync("#setup-form button[type=submit]");
        Assert.Contains("不能包含登录名", await person.InnerTextAsync("p.alert"), StringComparison.Ordinal);
        await SetPasswordAsync(person, link, "法治政府-建设2026");
        Assert.Contains("动态口令", await person.InnerTextAsync("p.notice"), StringComparison.Ordinal);

        // The link is used up.
        await person.GotoAsync(new Uri(link).PathAndQuery);
        Assert.Contains("链接无效", await person.InnerTextAsync("main"), StringComparison.Ordinal);

        // First sign-in: the role requires a second factor, so the page binds one; a wrong code is refused.
        await EnterPasswordAsync(person, tenant.Id, "wang.kaohe", "法治政府-建设2026");
        Assert.EndsWith("/login/code", person.Url, StringComparison.Ordinal);
        var secret = (await person.GetAttributeAsync("#totp-secret", "data-secret"))!;
        Assert.True(await person.IsVisibleAsync("#totp-qr"));
        var right = Code(secret, DateTime.UtcNow);
        await person.FillAsync("#code", ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
        await person.ClickAsync("#code-form button[type=submit]");
        Assert.Contains("动态口令不正确", await person.InnerTextAsync("p.alert"), StringComparison.Ordinal);
        // A reload after scanning keeps the same secret.
        Assert.Equal(secret, await person.GetAttributeAsync("#totp-secret", "data-secret"));
        await person.FillAsync("#code", Code(secret, DateTime.UtcNow));
        await person.ClickAsync("#code-form button[type=submit]");
        await person.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        Assert.Contains("王考核", await person.InnerTextAsync("header .person"), StringComparison.Ordinal);
        await person.GotoAsync("/account");
        Assert.Contains("本会话", await person.InnerTextAsync("main"), StringComparison.Ordinal);

        // Signed out and in again: the code is asked for, no secret is shown again, and a used code does not work twice.
        await person.ClickAsync("header form[action='/logout'] button");
        await person.WaitForURLAsync("**/login");
        await EnterPasswordAsync(person, tenant.Id, "wang.kaohe", "法治政府-建设2026");
        Assert.EndsWith("/login/code", person.Url, StringComparison.Ordinal);
        Assert.False(await person.IsVisibleAsync("#totp-secret"));
        var used = Code(secret, DateTime.UtcNow);
        await person.FillAsync("#code", used);
        await person.ClickAsync("#code-form button[type=submit]");
        await person.WaitForLoadStateAsync(LoadState.Load);
        if (person.Url.Contains("/login/code", StringComparison.Ordinal))
        {
            // The step of the first sign-in is still current: that code is spent; the next step's code works.
            Assert.Contains("已使用过", await person.InnerTextAsync("p.alert"), StringComparison.Ordinal);
            await person.FillAsync("#code", Code(secret, DateTime.UtcNow.AddSeconds(30)));
            await person.ClickAsync("#code-form button[type=submit]");
        }

        await person.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));

        // The admin sees the second factor bound.
        await admin.GotoAsync("/accounts");
        Assert.Contains("已绑定", await admin.InnerTextAsync("tr[data-account='wang.kaohe']"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_an_account_the_admins_reset_recovers_it_and_disabling_ends_its_session()
    {
        var (tenant, admin) = await TenantWithAdminAsync();
        var link = await OpenAccountAsync(admin, "li.tianbao", "李填报", "unit", "c1", "u1");
        var person = await browser.NewPageAsync(platform.Server);
        await SetPasswordAsync(person, link, "司法局-填报-2026");

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await EnterPasswordAsync(person, tenant.Id, "li.tianbao", $"wrong-password-{attempt}");
            Assert.Contains(attempt < 5 ? "不正确" : "已锁定", await person.InnerTextAsync("#account-login p.alert"), StringComparison.Ordinal);
        }

        // Locked: even the right password is refused until the lock ends or the admin resets the account.
        await EnterPasswordAsync(person, tenant.Id, "li.tianbao", "司法局-填报-2026");
        Assert.Contains("已锁定", await person.InnerTextAsync("#account-login p.alert"), StringComparison.Ordinal);
        await admin.GotoAsync("/accounts");
        Assert.Contains("已锁定", await admin.InnerTextAsync("tr[data-account='li.tianbao']"), StringComparison.Ordinal);

        await admin.ClickAsync("tr[data-account='li.tianbao'] form[action*='handler=Reset'] button");
        var again = (await admin.InnerTextAsync("#setup-link")).Trim();
        await SetPasswordAsync(person, again, "司法局-填报-2027");
        await EnterPasswordAsync(person, tenant.Id, "li.tianbao", "司法局-填报-2027");
        await person.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        Assert.Contains("李填报", await person.InnerTextAsync("header .person"), StringComparison.Ordinal);
        await person.GotoAsync($"/{Year}/form");
        Assert.Contains("司法局", await person.InnerTextAsync("main"), StringComparison.Ordinal);

        // Disabled while signed in: the next page is the sign-in page, and the password no longer works.
        await admin.GotoAsync("/accounts");
        await admin.ClickAsync("tr[data-account='li.tianbao'] form[action*='handler=Disable'] button");
        Assert.Contains("已停用", await admin.InnerTextAsync("tr[data-account='li.tianbao']"), StringComparison.Ordinal);
        await person.GotoAsync($"/{Year}/form");
        Assert.Contains("/login", person.Url, StringComparison.Ordinal);
        await EnterPasswordAsync(person, tenant.Id, "li.tianbao", "司法局-填报-2027");
        Assert.Contains("不正确", await person.InnerTextAsync("#account-login p.alert"), StringComparison.Ordinal);
    }
}

using Assessment.Grains.Abstractions;
using Assessment.Server.Security.Accounts;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The tenant admin's accounts page (账号管理): every person's account with its state, and creating, resetting and
/// disabling them. Creating or resetting shows the one-time link for the person once, on the answer to that request.
/// Every action goes through <see cref="AccountDesk"/>, as the admin RPCs and the CLI do.
/// </summary>
public sealed class AccountsModel(AccountDesk accounts, TenantDesk tenants) : WorkbenchPage
{
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public TenantProfile Profile { get; private set; } = null!;

    /// <summary>The one-time link just made, shown on this answer only.</summary>
    public (string Login, string Link)? Link { get; private set; }

    public string? Refusal { get; private set; }

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostCreateAsync(string? login, string? name, string? role, string? county, string? unit, string? email) =>
        ActAsync(async () =>
        {
            var (account, token) = await accounts.CreateAsync(Caller, null, login, name, role, role is "unit" or "county" ? county : null, role is "unit" ? unit : null, email);
            Link = (account.Login, LinkOf(token));
        });

    public Task<IActionResult> OnPostResetAsync(string? login) =>
        ActAsync(async () => Link = (login ?? "", LinkOf(await accounts.ResetAsync(Caller, null, login))));

    public Task<IActionResult> OnPostDisableAsync(string? login) =>
        ActAsync(async () =>
        {
            await accounts.DisableAsync(Caller, null, login);
            Notice = $"已停用账号 {login}，其登录会话已结束。";
        });

    public static string State(Account a, DateTimeOffset now) => a.StateAt(now) switch
    {
        "disabled" => "已停用",
        "pending" => "待设置密码",
        "locked" => "已锁定",
        _ => "正常",
    };

    private string LinkOf(string token) => $"{Request.Scheme}://{Request.Host}/account/setup?token={token}";

    private async Task<IActionResult> ActAsync(Func<Task> action)
    {
        Refusal = await TryActAsync(action);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Profile = await tenants.ProfileAsync(Caller, null); // tenant admins only: anyone else is denied here
        Accounts = await accounts.ListAsync(Caller, null);
    }
}

using Assessment.Server.Security.Accounts;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// My account (我的账号): the signed-in person's sessions, where and when each began and was last seen, each of them
/// ended here (a browser left signed in elsewhere). A key's session has no account and says so.
/// </summary>
public sealed class AccountModel(AccountStore store, AccountDesk accounts) : WorkbenchPage
{
    public Account? Account { get; private set; }

    public IReadOnlyList<AccountSession> Sessions { get; private set; } = [];

    public Guid? Current => Guid.TryParse(User.FindFirst(WebSessions.SessionClaim)?.Value, out var id) ? id : null;

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostEndAsync(Guid session)
    {
        await LoadAsync();
        if (Account is not null && await accounts.EndSessionAsync(Account, session))
        {
            Notice = session == Current ? "已退出本会话。" : "已结束该会话：那台设备下一次访问时需要重新登录。";
        }

        return Redirect(session == Current ? "/login" : "/account");
    }

    private async Task LoadAsync()
    {
        if (User.FindFirst(WebSessions.AccountClaim)?.Value is { } login && await store.FindAsync(Caller.Tenant, login) is { } account)
        {
            Account = account;
            Sessions = await accounts.SessionsAsync(account);
        }
    }
}

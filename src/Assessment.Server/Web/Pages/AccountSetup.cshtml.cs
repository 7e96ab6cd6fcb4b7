using Assessment.Domain.Accounts;
using Assessment.Server.Security.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The one-time link a tenant admin hands to a person (<c>/account/setup?token=…</c>): the person chooses their
/// password here; the link is used up by it and stops working after three days. Anonymous, like the sign-in page.
/// </summary>
public sealed class AccountSetupModel(AccountDesk accounts) : PageModel
{
    public Account? Account { get; private set; }

    public string? Token { get; private set; }

    public string? Error { get; private set; }

    public int MinLength => AccountRules.MinPasswordLength;

    public async Task<IActionResult> OnGetAsync(string? token)
    {
        Token = token;
        Account = await accounts.SetupAccountAsync(token);
        if (Account is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? token, [FromForm] string? password, [FromForm] string? confirm)
    {
        Token = token;
        Account = await accounts.SetupAccountAsync(token);
        if (Account is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        if (!string.Equals(password, confirm, StringComparison.Ordinal))
        {
            Error = "两次输入的密码不一致。";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var (set, problem) = await accounts.SetPasswordAsync(token, password, HttpContext.RequestAborted);
        if (problem is not null)
        {
            Error = problem;
            Account = set ?? Account;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        TempData["Notice"] = AccountRules.SecondFactorRequired(set!.Role)
            ? "密码已设置。请登录；首次登录时将绑定手机验证器（动态口令）。"
            : "密码已设置，请登录。";
        return Redirect("/login");
    }
}

using Assessment.Server.Security;
using Assessment.Server.Security.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// Sign-in, two ways (antiforgery-checked like every POST; one failure budget with gRPC): a person's account (tenant,
/// login, password, then a code from the authenticator app where the account has one or its role requires one), or an
/// API key.
/// </summary>
public sealed class LoginModel(CredentialLookup lookup, AccountDesk accounts) : PageModel
{
    public string? Error { get; private set; }

    /// <summary>Which form the error belongs to: "account" or "key".</summary>
    public string? ErrorFor { get; private set; }

    public string Back { get; private set; } = "/";

    public string? Tenant { get; private set; }

    public string? Login { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public void OnGet(string? back) => Back = LocalPath(back);

    public async Task<IActionResult> OnPostAccountAsync([FromForm] string? tenant, [FromForm] string? login, [FromForm] string? password, [FromForm] string? back)
    {
        Back = LocalPath(back);
        (Tenant, Login) = (tenant?.Trim(), login?.Trim());
        var result = await accounts.CheckPasswordAsync(tenant, login, password, HttpContext.Connection.RemoteIpAddress, HttpContext.RequestAborted);
        switch (result.Step)
        {
            case SignInStep.Done:
                await WebSessions.SignInAsync(HttpContext, result.Account!);
                return LocalRedirect(Back);
            case SignInStep.NeedsCode or SignInStep.NeedsEnrollment:
                PendingSignIn.Start(HttpContext, result.Account!.Tenant, result.Account.Login, AccountDesk.StampOf(result.Account), Back);
                return Redirect("/login/code");
            default:
                (Error, ErrorFor) = (result.Message, "account");
                Response.StatusCode = result.Step switch
                {
                    SignInStep.Throttled => StatusCodes.Status429TooManyRequests,
                    SignInStep.Locked => StatusCodes.Status423Locked,
                    _ => StatusCodes.Status401Unauthorized,
                };
                return Page();
        }
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? key, [FromForm] string? back)
    {
        Back = LocalPath(back);
        ErrorFor = "key";
        var (outcome, credential, hash) = await lookup.FindAsync((key ?? "").Trim(), HttpContext.Connection.RemoteIpAddress);
        if (outcome == LookupOutcome.Throttled)
        {
            Error = "登录失败次数过多，请稍后再试。";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        if (credential is null || hash is null || !WebSessions.MaySignIn(credential.Role))
        {
            Error = "密钥无效、已过期或已吊销。";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await WebSessions.SignInAsync(HttpContext, credential, hash);
        return Url.IsLocalUrl(Back) ? LocalRedirect(Back) : LocalRedirect("/");
    }

    /// <summary>Only a path of this site is followed after sign-in (no open redirect).</summary>
    public static string LocalPath(string? back) =>
        back is { Length: > 1 and < 512 } && back[0] == '/' && back[1] is not ('/' or '\\') && !back.Contains("://", StringComparison.Ordinal)
            && !back.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c == '\\') ? back : "/";
}

using Assessment.Domain.Accounts;
using Assessment.Server.Security.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The second step of an account's sign-in: the 6-digit code of the authenticator app. An account whose role requires
/// a second factor and has none yet enrols here first (QR code and the secret to type in); its first code confirms it.
/// Reached only with the short-lived pending cookie a right password leaves.
/// </summary>
public sealed class LoginCodeModel(AccountDesk accounts) : PageModel
{
    public string? Error { get; private set; }

    /// <summary>Set while enrolling: the secret (shown once per sign-in attempt) and its QR code.</summary>
    public string? Secret { get; private set; }

    public string? QrDataUri { get; private set; }

    public string Login { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        if (PendingSignIn.Read(HttpContext) is not var (tenant, login, stamp, _) || await accounts.PendingAccountAsync(tenant, login, stamp) is null)
        {
            PendingSignIn.End(HttpContext);
            return Redirect("/login");
        }

        Login = login;
        await ShowEnrollmentAsync(tenant, login);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? code)
    {
        // The account must still be as it was when the password was right (no reset, no new password since).
        if (PendingSignIn.Read(HttpContext) is not var (tenant, login, stamp, back) || await accounts.PendingAccountAsync(tenant, login, stamp) is null)
        {
            PendingSignIn.End(HttpContext);
            return Redirect("/login");
        }

        Login = login;
        var result = await accounts.CheckCodeAsync(tenant, login, code, HttpContext.Connection.RemoteIpAddress);
        if (result.Step == SignInStep.Done)
        {
            PendingSignIn.End(HttpContext);
            await WebSessions.SignInAsync(HttpContext, result.Account!);
            return LocalRedirect(LoginModel.LocalPath(back));
        }

        Error = result.Message;
        Response.StatusCode = result.Step switch
        {
            SignInStep.Throttled => StatusCodes.Status429TooManyRequests,
            SignInStep.Locked => StatusCodes.Status423Locked,
            _ => StatusCodes.Status401Unauthorized,
        };
        if (result.Step is SignInStep.Locked)
        {
            PendingSignIn.End(HttpContext);
        }
        else
        {
            await ShowEnrollmentAsync(tenant, login);
        }

        return Page();
    }

    private async Task ShowEnrollmentAsync(string tenant, string login)
    {
        if (await accounts.EnrollmentSecretAsync(tenant, login) is { } secret)
        {
            Secret = secret;
            var uri = TotpCodes.Uri(secret, $"考核平台 {tenant}", login);
            QrDataUri = "data:image/png;base64," + Convert.ToBase64String(TotpCodes.QrPng(uri));
        }
    }

    /// <summary>The secret in groups of four, as people type it.</summary>
    public static string Grouped(string secret) => string.Join(' ', secret.Chunk(4).Select(c => new string(c)));

    public static bool Required(string role) => AccountRules.SecondFactorRequired(role);
}

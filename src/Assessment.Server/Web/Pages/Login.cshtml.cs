using Assessment.Server.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>Sign-in with a key (antiforgery-checked like every POST); the failure budget is the gRPC one.</summary>
public sealed class LoginModel(CredentialLookup lookup) : PageModel
{
    public string? Error { get; private set; }

    public string Back { get; private set; } = "/";

    public void OnGet(string? back) => Back = LocalPath(back);

    public async Task<IActionResult> OnPostAsync([FromForm] string? key, [FromForm] string? back)
    {
        Back = LocalPath(back);
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
    private static string LocalPath(string? back) =>
        back is { Length: > 1 and < 512 } && back[0] == '/' && back[1] is not ('/' or '\\') && !back.Contains("://", StringComparison.Ordinal)
            && !back.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c == '\\') ? back : "/";
}

using Assessment.Server.Security.SingleSignOn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// Sign-in through the tenant's OpenID provider (统一身份认证): <c>/login/sso?tenant=…</c> sends the person to the
/// provider (a page that moves on to it); <c>/login/sso/callback</c> is where the provider sends them back. A refusal is shown here in Chinese with
/// the way back to the sign-in page; success starts the session and then moves on from this page (not by a redirect:
/// the session cookie is SameSite=Strict and a redirect chain begun on the provider's site would not carry it).
/// </summary>
public sealed class SingleSignOnModel(SingleSignOnDesk desk) : PageModel
{
    public string? Problem { get; private set; }

    /// <summary>Where to go next: the provider (at the start) or, once signed in, a path of this site.</summary>
    public string? Next { get; private set; }

    /// <summary>Whether <see cref="Next"/> is the provider (the start) rather than the workbench (the end).</summary>
    public bool ToProvider { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? tenant, string? back)
    {
        var (location, problem) = await desk.BeginAsync(HttpContext, tenant, LoginModel.LocalPath(back), HttpContext.RequestAborted);
        if (location is not null)
        {
            // A page that moves on by itself, not a redirect: the sign-in form's submission may not be redirected to
            // another origin (the workbench's CSP says form-action 'self'), a navigation from this page may.
            (Next, ToProvider) = (location, true);
            return Page();
        }

        Problem = problem;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    public async Task<IActionResult> OnGetCallbackAsync()
    {
        var result = await desk.CompleteAsync(HttpContext, HttpContext.RequestAborted);
        if (result.Account is null)
        {
            Problem = result.Problem;
            Response.StatusCode = result.Status;
            return Page();
        }

        await WebSessions.SignInAsync(HttpContext, result.Account);
        Next = LoginModel.LocalPath(result.Back);
        return Page();
    }
}

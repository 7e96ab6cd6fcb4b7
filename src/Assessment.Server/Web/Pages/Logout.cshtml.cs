using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// Sign-out: POST only, antiforgery-checked against the session that posts it (so the page authenticates the session
/// scheme: under the platform's default scheme the person would be anonymous and every token "for another user").
/// A GET shows nothing and goes home; a session that already ended lands on the sign-in page.
/// </summary>
[Authorize(Policy = WebSessions.Scheme)]
public sealed class LogoutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public async Task<IActionResult> OnPostAsync()
    {
        // An account's session is ended for good (its row), not only forgotten by this browser.
        if (Guid.TryParse(User.FindFirst(WebSessions.SessionClaim)?.Value, out var session)
            && User.FindFirst(WebSessions.AccountClaim)?.Value is { } login
            && await HttpContext.RequestServices.GetRequiredService<Security.Accounts.AccountStore>().FindAsync(Security.Caller.From(User).Tenant, login) is { } account)
        {
            await HttpContext.RequestServices.GetRequiredService<Security.Accounts.AccountDesk>().EndSessionAsync(account, session);
        }

        await HttpContext.SignOutAsync(WebSessions.Scheme);
        return Redirect("/login");
    }
}

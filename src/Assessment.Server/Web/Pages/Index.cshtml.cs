using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Assessment.Server.Web.Pages;

/// <summary>Home: each role lands where it works — the round overview, its county, or its form — in the latest year.</summary>
[Authorize(Policy = WebSessions.Scheme)]
public sealed class IndexModel(RoundYears years) : PageModel
{
    public async Task<IActionResult> OnGetAsync()
    {
        var caller = Caller.From(User);
        return Redirect(Home(caller, await years.DefaultYearAsync(caller.Tenant)));
    }

    public static string Home(Caller caller, int year) => caller.Role switch
    {
        Role.County => $"/{year}/counties/{caller.County}",
        Role.Unit => $"/{year}/form",
        Role.Member => $"/{year}/panel",
        _ => $"/{year}",
    };
}

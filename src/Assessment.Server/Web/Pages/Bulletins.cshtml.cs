using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>A leader's bulletins (我的通报): those sent to them, newest first, with whether they have read each.</summary>
public sealed class BulletinsModel(BulletinDesk desk) : WorkbenchPage
{
    public IReadOnlyList<AddressedBulletin> Mine { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role != Role.Leader)
        {
            return Redirect("/");
        }

        Mine = await desk.MineAsync(Caller);
        return Page();
    }
}

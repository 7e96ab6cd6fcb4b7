using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>The ranking of a year with grades, quota notes and the change against last year.</summary>
public sealed class RankingModel(RoundDesk rounds, BulletinComposer bulletins) : WorkbenchPage
{
    [FromRoute]
    public int Year { get; set; }

    public RankingResult Ranking { get; private set; } = null!;

    /// <summary>The bulletin's charts (ranked bars by grade, county × dimension, rank change) as inline SVG.</summary>
    public IReadOnlyList<Bulletins.BulletinChart> Charts { get; private set; } = [];

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is not (Role.Assessor or Role.Leader or Role.TenantAdmin))
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        Ranking = await rounds.RankingAsync(Caller, Year);
        Charts = await bulletins.ChartsAsync(Caller.Tenant, Year, Ranking);
        return Page();
    }
}

using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>The ranking of a year with grades, quota notes and the change against last year.</summary>
public sealed class RankingModel(RoundDesk rounds) : WorkbenchPage
{
    [FromRoute]
    public int Year { get; set; }

    public RankingResult Ranking { get; private set; } = null!;

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        if (Caller.Role is Role.County or Role.Unit)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        Ranking = await rounds.RankingAsync(Caller, Year);
        return Page();
    }
}

using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The round overview of a year (考核总览): phase, deadline countdown, per-county status and completeness, reminders
/// sent; the assessor's round actions (开启, 截止, 发布) with the round's version, refused with the API's reasons.
/// </summary>
public sealed class RoundModel(RoundDesk rounds, TimeProvider clock) : WorkbenchPage
{
    [FromRoute]
    public int Year { get; set; }

    public RoundInfo Info { get; private set; } = null!;

    public RoundBoard Board { get; private set; } = null!;

    public RoundNotification[] Notifications { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        switch (Caller.Role)
        {
            case Role.County:
            case Role.Unit:
                return Redirect(IndexModel.Home(Caller, Year));
        }

        (Info, Board, Notifications) = await rounds.BoardAsync(Caller, Year);
        Now = clock.GetUtcNow();
        return Page();
    }

    public Task<IActionResult> OnPostOpenAsync(int version) => ActAsync("已开启填报。", () => rounds.OpenAsync(Caller, Year, version));

    public Task<IActionResult> OnPostCloseAsync(int version) => ActAsync("已截止填报，进入审核。", () => rounds.CloseAsync(Caller, Year, version));

    public Task<IActionResult> OnPostPublishAsync(int version) => ActAsync("考核结果已发布，通报已印发。", () => rounds.PublishAsync(Caller, Year, version));

    private async Task<IActionResult> ActAsync(string done, Func<Task<RoundInfo>> action)
    {
        if (Caller.Role != Role.Assessor)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        try
        {
            await action();
            Notice = done;
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Notice = "未能办理：" + Describe(ex);
        }

        return Redirect($"/{Year}");
    }
}

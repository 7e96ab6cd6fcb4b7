using Assessment.Grains.Abstractions;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The round overview of a year (考核总览): phase, deadline countdown, per-county status and completeness, reminders
/// sent; the assessor's round actions (开启, 截止, 发布) with the round's version, refused with the API's reasons.
/// </summary>
public sealed class RoundModel(RoundDesk rounds, NoticeDesk notices, TimeProvider clock) : WorkbenchPage
{
    [FromRoute]
    public int Year { get; set; }

    public RoundInfo Info { get; private set; } = null!;

    public RoundBoard Board { get; private set; } = null!;

    public RoundNotification[] Notifications { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>The year's 考核通知 in force, when issued.</summary>
    public PublishedBulletin? YearNotice { get; private set; }

    protected override int? PageYear => Year;

    public async Task<IActionResult> OnGetAsync()
    {
        // The overview is the assessor's, the leader's and the tenant admin's; everyone else goes to their own page.
        if (Caller.Role is not (Role.Assessor or Role.Leader or Role.TenantAdmin))
        {
            return Redirect(IndexModel.Home(Caller, Year));
        }

        (Info, Board, Notifications) = await rounds.BoardAsync(Caller, Year);
        YearNotice = await notices.InForceAsync(Caller, Year);
        Now = clock.GetUtcNow();
        return Page();
    }

    /// <summary>A fresh request id for each form on this rendering of the page (a double click acts once).</summary>
    public Guid RequestId { get; } = Guid.NewGuid();

    public Task<IActionResult> OnPostOpenAsync(int version, Guid requestId) => ActAsync("已开启填报。", "OpenRound",
        new Contracts.V1.RoundTransitionRequest { Year = Year, ExpectedVersion = version, RequestId = requestId.ToString("D") }, requestId,
        () => rounds.OpenAsync(Caller, Year, version), RoundDesk.ShowsOpened);

    public Task<IActionResult> OnPostCloseAsync(int version, Guid requestId) => ActAsync("已截止填报，进入审核。", "CloseRound",
        new Contracts.V1.RoundTransitionRequest { Year = Year, ExpectedVersion = version, RequestId = requestId.ToString("D") }, requestId,
        () => rounds.CloseAsync(Caller, Year, version), RoundDesk.ShowsClosed);

    public Task<IActionResult> OnPostPublishAsync(int version, Guid requestId) => ActAsync("考核结果已发布，通报已印发。", "PublishRound",
        new Contracts.V1.PublishRoundRequest { Year = Year, ExpectedVersion = version, RequestId = requestId.ToString("D") }, requestId,
        () => rounds.PublishAsync(Caller, Year, version), RoundDesk.ShowsPublished);

    public async Task<IActionResult> OnPostNoticeAsync(Guid requestId)
    {
        if (Caller.Role != Role.Assessor)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        try
        {
            var inDoubt = Services.InDoubt<Google.Protobuf.WellKnownTypes.Empty>.ReadTarget(async () =>
                await notices.InForceAsync(Caller, Year) is { Withdrawn: null } ? new Google.Protobuf.WellKnownTypes.Empty() : null);
            await OnceAsync("IssueNotice", requestId, new Contracts.V1.IssueNoticeRequest { Year = Year, RequestId = requestId.ToString("D") }, inDoubt, async () =>
            {
                await notices.IssueAsync(Caller, Year);
                return new Google.Protobuf.WellKnownTypes.Empty();
            });
            var issued = await notices.InForceAsync(Caller, Year);
            Notice = $"考核通知已印发：{issued?.Number}《{issued?.Title}》，已发送各县（区）。";
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Notice = "未能印发考核通知：" + Describe(ex);
        }

        return Redirect($"/{Year}");
    }

    private async Task<IActionResult> ActAsync(string done, string action, Google.Protobuf.IMessage request, Guid requestId, Func<Task<RoundInfo>> run,
        Func<RoundInfo, bool> tookEffect)
    {
        if (Caller.Role != Role.Assessor)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        try
        {
            var inDoubt = Services.InDoubt<Google.Protobuf.WellKnownTypes.Empty>.ReadTarget(async () =>
                tookEffect(await rounds.InfoAsync(Caller, Year)) ? new Google.Protobuf.WellKnownTypes.Empty() : null);
            await OnceAsync(action, requestId, request, inDoubt, async () =>
            {
                await run();
                return new Google.Protobuf.WellKnownTypes.Empty();
            });
            Notice = done;
        }
        catch (AssessmentException ex) when (ex is not (PermissionDeniedException or NotFoundException))
        {
            Notice = "未能办理：" + Describe(ex);
        }

        return Redirect($"/{Year}");
    }
}

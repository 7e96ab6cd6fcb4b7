using Assessment.Bulletins;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Services;

namespace Assessment.Server.Web;

/// <summary>
/// A round's 通报 in the browser (HTML, Markdown, PDF; a leader's personal copy), served as a document outside the
/// workbench layout. Refusals end on the workbench's Chinese error pages.
/// </summary>
public static class BulletinPages
{
    public static void MapBulletinPages(this WebApplication app)
    {
        app.MapGet("/bulletin/{year:int}.{ext}", async (int year, string ext, int? edition, HttpContext http, BulletinDesk desk) =>
        {
            var format = ext switch { "html" or "pdf" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => (BulletinFormat?)null };
            if (format is null || !GrainKeys.IsValidYear(year) || edition is < 0 or > Grains.Grains.BulletinGrain.MaxEditions)
            {
                return Results.NotFound();
            }

            try
            {
                var document = await desk.ReadAsync(Caller.From(http.User), year, format.Value, ext == "pdf", edition ?? 0, download: ext != "html");
                return ext == "html"
                    ? Results.Bytes(document.Data, document.MediaType)
                    : Results.File(document.Data, document.MediaType, document.FileName);
            }
            catch (PermissionDeniedException)
            {
                http.Items[WorkbenchPage.MessageItem] = "本通报未分发给您。如需阅读，请与考核办联系。";
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
            catch (AssessmentException ex)
            {
                return Results.StatusCode(WorkbenchPage.RefusalStatus(http, ex));
            }
        }).RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute
        {
            // As BulletinService.Render: the assessors, the leaders and the tenant's administrators.
            AuthenticationSchemes = WebSessions.Scheme,
            Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}",
        });

        // The year's 考核通知: as kept for assessors and tenant admins; a county's reading and download are recorded.
        app.MapGet("/notice/{year:int}.{ext}", async (int year, string ext, int? edition, HttpContext http, NoticeDesk desk) =>
        {
            var format = ext switch { "html" or "pdf" => BulletinFormat.Html, "md" => BulletinFormat.Markdown, _ => (BulletinFormat?)null };
            if (format is null || !GrainKeys.IsValidYear(year) || edition is < 0 or > Grains.Grains.BulletinGrain.MaxEditions)
            {
                return Results.NotFound();
            }

            try
            {
                var document = await desk.ReadAsync(Caller.From(http.User), year, format.Value, ext == "pdf", edition ?? 0, download: ext != "html");
                return ext == "html" ? Results.Bytes(document.Data, document.MediaType) : Results.File(document.Data, document.MediaType, document.FileName);
            }
            catch (AssessmentException ex)
            {
                return Results.StatusCode(WorkbenchPage.RefusalStatus(http, ex));
            }
        }).RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute
        {
            AuthenticationSchemes = WebSessions.Scheme,
            Roles = $"{Roles.Assessor},{Roles.TenantAdmin},{Roles.County}",
        });
    }
}

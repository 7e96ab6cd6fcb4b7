using Assessment.Grains.Abstractions;
using Assessment.Server.Evidence;
using Assessment.Server.Security;

namespace Assessment.Server.Web;

/// <summary>
/// A 佐证材料 in the browser: always a download (attachment, its checked media type, nosniff, a sandboxed document
/// policy), streamed chunk by chunk, to whoever may list it; anything else is one 404.
/// </summary>
public static class EvidenceDownloads
{
    public static void MapEvidenceDownloads(this WebApplication app)
    {
        // A county's 实地核查 package, streamed as it is built.
        app.MapGet("/{year:int}/counties/{county}/evidence.zip", async (int year, string county, HttpContext http, EvidencePackager packager) =>
        {
            var caller = Caller.From(http.User);
            string name;
            try
            {
                (_, name) = await packager.ScopeAsync(caller, year, county);
            }
            catch (AssessmentException ex)
            {
                return Results.StatusCode(WorkbenchPage.RefusalStatus(http, ex));
            }

            return Results.Stream(body => packager.WriteAsync(caller, year, county, piece => body.WriteAsync(piece, http.RequestAborted).AsTask(), http.RequestAborted),
                "application/zip", $"{name}{year}年度佐证材料.zip");
        }).RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute
        {
            AuthenticationSchemes = WebSessions.Scheme,
            Roles = $"{Roles.County},{Roles.Assessor},{Roles.TenantAdmin}",
        });

        app.MapGet("/evidence/{id:guid}", async (Guid id, HttpContext http, EvidenceDesk desk) =>
        {
            var caller = Caller.From(http.User);
            EvidenceRow file;
            try
            {
                file = await desk.ReadableAsync(caller, id, http.RequestAborted);
            }
            catch (AssessmentException ex)
            {
                return Results.StatusCode(WorkbenchPage.RefusalStatus(http, ex));
            }

            var kind = Domain.Evidence.EvidenceKinds.FromId(file.Kind);
            http.Response.ContentLength = file.Size;
            return Results.Stream(async body =>
            {
                await foreach (var chunk in desk.ContentAsync(caller, file, http.RequestAborted))
                {
                    await body.WriteAsync(chunk, http.RequestAborted);
                }
            }, kind is { } k ? Domain.Evidence.EvidenceKinds.MediaType(k) : "application/octet-stream", file.FileName);
        }).RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute
        {
            AuthenticationSchemes = WebSessions.Scheme,
            Roles = $"{Roles.Unit},{Roles.County},{Roles.Assessor},{Roles.TenantAdmin}",
        });
    }
}

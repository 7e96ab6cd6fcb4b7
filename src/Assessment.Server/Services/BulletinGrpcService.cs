using Assessment.Contracts.V1;
using Assessment.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>Renders the results bulletin for assessors and leaders of the caller's tenant.</summary>
[Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}")]
public sealed class BulletinGrpcService(BulletinComposer composer) : BulletinService.BulletinServiceBase
{
    public override async Task<RenderedBulletin> Render(RenderBulletinRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var format = request.Format switch
        {
            BulletinFormat.Markdown => Bulletins.BulletinFormat.Markdown,
            BulletinFormat.Verification => caller.Role == Grains.Abstractions.Role.Leader ? throw new Grains.Abstractions.PermissionDeniedException() : Bulletins.BulletinFormat.Verification,
            _ => Bulletins.BulletinFormat.Html,
        };
        var rendered = await composer.RenderAsync(caller.Tenant, request.Year, format);
        return new RenderedBulletin { Content = rendered.Content, MediaType = rendered.MediaType, Sha256 = rendered.Sha256 };
    }
}

using Assessment.Contracts.V1;
using Assessment.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>The tenant's own indicator catalog. Maps protobuf ↔ <see cref="CatalogDesk"/>; no rules here.</summary>
[Authorize]
public sealed class CatalogGrpcService(CatalogDesk catalogs, RequestLedger ledger) : CatalogService.CatalogServiceBase
{
    public override async Task<Catalog> GetCatalog(GetCatalogRequest request, ServerCallContext context)
    {
        var (version, yaml, catalog) = await catalogs.GetAsync(Caller.From(context.GetHttpContext().User), request.Year, request.Version);
        return CatalogProtoMapping.ToProto(version, yaml, catalog);
    }

    public override async Task<ListCatalogVersionsResponse> ListCatalogVersions(ListCatalogVersionsRequest request, ServerCallContext context)
    {
        var response = new ListCatalogVersionsResponse();
        response.Versions.AddRange((await catalogs.ListAsync(Caller.From(context.GetHttpContext().User))).Select(CatalogProtoMapping.ToProto));
        return response;
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override Task<CatalogVersionInfo> SaveCatalog(SaveCatalogRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request,
            InDoubt<CatalogVersionInfo>.ReadTarget(async () => await catalogs.SavedAsync(Caller.From(context.GetHttpContext().User), request.CatalogYaml, NoteOf(request)) is { } saved
                ? CatalogProtoMapping.ToProto(saved)
                : null),
            async () =>
            {
                var saved = await catalogs.SaveAsync(Caller.From(context.GetHttpContext().User), request.CatalogYaml,
                    NoteOf(request), request.ExpectedVersion == 0 ? null : request.ExpectedVersion);
                return CatalogProtoMapping.ToProto(saved);
            });

    private static string? NoteOf(SaveCatalogRequest request) => string.IsNullOrWhiteSpace(request.Note) ? null : request.Note;
}

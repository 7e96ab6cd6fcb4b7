using Assessment.Contracts.V1;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Services;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Evidence;

/// <summary>佐证材料 over gRPC: maps messages to <see cref="EvidenceDesk"/>; no rules here.</summary>
public sealed class EvidenceGrpcService(EvidenceDesk desk, EvidencePackager packager, RoundCatalogs catalogs) : EvidenceService.EvidenceServiceBase
{
    /// <summary>The largest message: a chunk of 1 MiB and its framing.</summary>
    public const int MaxMessageBytes = EvidenceOptions.ChunkBytes + 4096;

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<UploadEvidenceResponse> UploadEvidence(IAsyncStreamReader<UploadEvidenceRequest> requestStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != UploadEvidenceRequest.PartOneofCase.Header)
        {
            throw new ValidationFailedException([new FieldError("header", "第一条消息须为 header（upload_id、年度、指标、文件名、大小、SHA-256）")]);
        }

        var header = requestStream.Current.Header;
        var state = await desk.StartAsync(caller, EvidenceProtoMapping.FromProto(header), ct);
        var id = Guid.Parse(header.UploadId);
        while (state.File is null && await requestStream.MoveNext(ct))
        {
            if (requestStream.Current.PartCase != UploadEvidenceRequest.PartOneofCase.Chunk)
            {
                throw new ValidationFailedException([new FieldError("header", "header 只能是第一条消息；其后每条消息须为 chunk")]);
            }

            var chunk = requestStream.Current.Chunk;
            state = await desk.AppendAsync(caller, state.Upload!, chunk.Offset, chunk.Data.Memory, ct);
        }

        return EvidenceProtoMapping.ToProto(id, state, await CatalogAsync(caller, header.Year));
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<UploadEvidenceResponse> GetUpload(GetUploadRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var id = RequireId(request.UploadId, "upload_id");
        var state = await desk.StatusAsync(caller, id, context.CancellationToken);
        return EvidenceProtoMapping.ToProto(id, state, state.File is { } f ? await CatalogAsync(caller, f.Year) : null);
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County},{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<ListEvidenceResponse> ListEvidence(ListEvidenceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var skip = EvidenceProtoMapping.Skip(request.PageToken)
            ?? throw new ValidationFailedException([new FieldError("page_token", "须为上一页返回的 next_page_token")]);
        var (files, next) = await desk.ListAsync(caller, request.Year, request.County, request.Indicator, request.IncludeRemoved, request.PageSize, skip,
            context.CancellationToken);
        var catalog = await CatalogAsync(caller, request.Year);
        var response = new ListEvidenceResponse { NextPageToken = EvidenceProtoMapping.Token(next) };
        response.Files.AddRange(files.Select(f => EvidenceProtoMapping.ToProto(f, catalog)));
        return response;
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County},{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task DownloadEvidence(DownloadEvidenceRequest request, IServerStreamWriter<EvidenceChunk> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var file = await desk.ReadableAsync(caller, RequireId(request.Id, "id"), context.CancellationToken);
        long offset = 0;
        var listing = EvidenceProtoMapping.ToProto(file, await CatalogAsync(caller, file.Year));
        await foreach (var data in desk.ContentAsync(caller, file, context.CancellationToken))
        {
            await responseStream.WriteAsync(new EvidenceChunk { Offset = offset, Data = UnsafeByteOperations.UnsafeWrap(data), File = offset == 0 ? listing : null },
                context.CancellationToken);
            offset += data.Length;
        }
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<EvidenceFile> RemoveEvidence(RemoveEvidenceRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var file = await desk.RemoveAsync(caller, RequireId(request.Id, "id"), request.Reason, context.CancellationToken);
        return EvidenceProtoMapping.ToProto(file, await CatalogAsync(caller, file.Year));
    }

    [Authorize(Roles = $"{Roles.County},{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task PackageEvidence(PackageEvidenceRequest request, IServerStreamWriter<EvidenceChunk> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        long offset = 0;
        await packager.WriteAsync(caller, request.Year, request.County, async piece =>
        {
            await responseStream.WriteAsync(new EvidenceChunk { Offset = offset, Data = ByteString.CopyFrom(piece.Span) }, context.CancellationToken);
            offset += piece.Length;
        }, context.CancellationToken);
    }

    private static Guid RequireId(string value, string field) =>
        Guid.TryParse(value, out var id) && id != Guid.Empty ? id : throw new ValidationFailedException([new FieldError(field, "须为 UUID")]);

    private async Task<Domain.Catalog.IndicatorCatalog?> CatalogAsync(Caller caller, int year) =>
        GrainKeys.IsValidYear(year) ? (await catalogs.ForYearOrLatestAsync(caller.Tenant, year)).Catalog : null;
}

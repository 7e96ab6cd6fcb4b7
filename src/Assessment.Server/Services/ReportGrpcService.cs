using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Extraction;
using Assessment.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>Report files: read in a child process (<see cref="ReportFiles"/>), then extracted like text.</summary>
[Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
public sealed class ReportGrpcService(ReportFiles files, ReportExtractor extractor, Grains.RoundCatalogs catalogs) : ReportService.ReportServiceBase
{
    /// <summary>The largest request: a 20 MiB file and its framing.</summary>
    public const int MaxMessageBytes = 20 * 1024 * 1024 + 4096;

    public override async Task<ExtractReportResponse> ExtractReportFile(ExtractReportFileRequest request, ServerCallContext context)
    {
        RequestChecks.Require(
            request.Content.Length == 0 ? new Grains.Abstractions.FieldError("content", "须为报告文件内容（PDF、Word、网页或文本，至多 20 MB）") : null,
            request.FileName.Length > 255 ? new Grains.Abstractions.FieldError("file_name", "文件名至多 255 个字符") : null,
            request.Year == 0 ? null : RequestChecks.Year(request.Year));
        var caller = Caller.From(context.GetHttpContext().User);
        var catalog = (await catalogs.ForYearOrLatestAsync(caller.Tenant, request.Year)).Catalog;
        var report = await files.ReadAsync(request.Content.ToByteArray(), request.FileName, context.CancellationToken);
        return ExtractionProtoMapping.ToProto(extractor.Extract(report.Text, tenant: catalog), catalog, report.Format == "pdf" ? report.PageOf : null, report.Format);
    }
}

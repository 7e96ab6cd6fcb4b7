using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Extraction;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>
/// Units and counties submit their figures; assessors import a prefecture's table. Maps protobuf ↔ grain calls; no
/// business rules here. Roles are per method (ASP.NET Core requires every [Authorize] on the path).
/// </summary>
public sealed class SubmissionGrpcService(SubmissionDesk submissions, ReportExtractor extractor, RoundCatalogs catalogs, FillInForms forms, ValueImport import, UnitValueListing listing)
    : SubmissionService.SubmissionServiceBase
{
    /// <summary>Largest report text accepted for extraction, in characters (an annual report runs to 5,000–20,000).</summary>
    public const int MaxReportLength = 80_000;

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<ExtractReportResponse> ExtractReport(ExtractReportRequest request, ServerCallContext context)
    {
        RequestChecks.Require(request.Text.Length is 0 or > MaxReportLength
            ? new FieldError("text", $"须为报告全文（1–{MaxReportLength} 字符）")
            : null,
            request.Year == 0 ? null : RequestChecks.Year(request.Year));
        var caller = Caller.From(context.GetHttpContext().User);
        var catalog = (await catalogs.ForYearOrLatestAsync(caller.Tenant, request.Year)).Catalog;
        return ExtractionProtoMapping.ToProto(extractor.Extract(request.Text, tenant: catalog), catalog);
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<SubmitIndicatorsResponse> SubmitIndicators(SubmitIndicatorsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var validId = Guid.TryParse(request.SubmissionId, out var submissionId) && submissionId != Guid.Empty;
        try
        {
            RequestChecks.Require(
                validId ? null : new FieldError("submission_id", "须为 UUID（同一份提交重试时使用同一个 UUID）"),
                RequestChecks.Year(request.Year));
        }
        catch (ValidationFailedException ex)
        {
            SubmissionDesk.Refused(ex);
            throw;
        }

        var receipt = await submissions.SubmitAsync(caller, request.Year, submissionId,
            request.Values.Select(v => new ValueEntry(v.Code, v.HasValue ? v.Value : null, string.IsNullOrEmpty(v.Note) ? null : v.Note)).ToArray(),
            request.DryRun, request.FormId);
        var response = new SubmitIndicatorsResponse
        {
            SubmissionId = receipt.SubmissionId.ToString(),
            Version = receipt.Version,
            Accepted = receipt.Accepted,
            Updated = receipt.Updated,
            Unchanged = receipt.Unchanged,
            Cleared = receipt.Cleared,
            Rejected = receipt.Rejected,
            StoredAt = Timestamp.FromDateTimeOffset(receipt.StoredAt),
            Replayed = receipt.Replayed,
            DryRun = receipt.DryRun,
        };
        response.Outcomes.AddRange(receipt.Outcomes.Select(o => new Contracts.V1.ValueOutcome
        {
            Code = o.Code,
            Outcome = (ValueOutcomeKind)(int)o.Outcome,
            Reason = o.Reason ?? "",
        }));
        return response;
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override async Task<GetMySubmissionsResponse> GetMySubmissions(GetMySubmissionsRequest request, ServerCallContext context)
    {
        RequestChecks.Require(RequestChecks.Year(request.Year));

        var snapshot = await submissions.GetSnapshotAsync(Caller.From(context.GetHttpContext().User), request.Year);
        var response = new GetMySubmissionsResponse
        {
            Year = request.Year,
            Version = snapshot.Version,
            CountyPending = snapshot.CountyPending,
        };
        if (snapshot.LastStoredAt is { } at)
        {
            response.LastStoredAt = Timestamp.FromDateTimeOffset(at);
        }

        response.Values.AddRange(snapshot.Values.Select(v => new IndicatorValue { Code = v.Code, Value = v.Value ?? 0, Note = v.Note ?? "" }));
        response.Submissions.AddRange(snapshot.Recent.Select(r => new SubmissionRecord
        {
            SubmissionId = r.SubmissionId.ToString(),
            Version = r.Version,
            StoredAt = Timestamp.FromDateTimeOffset(r.StoredAt),
        }));
        return response;
    }

    [Authorize(Roles = $"{Roles.Unit},{Roles.County}")]
    public override Task<Form> GetForm(GetFormRequest request, ServerCallContext context)
    {
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var caller = Caller.From(context.GetHttpContext().User);
        return forms.BuildAsync(caller.Tenant, caller.County!, FillInForms.OwnUnit(caller), request.Year);
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task ImportValues(IAsyncStreamReader<ImportRow> requestStream, IServerStreamWriter<ImportRowResult> responseStream, ServerCallContext context) =>
        import.RunAsync(Caller.From(context.GetHttpContext().User), requestStream, responseStream, context);

    [Authorize(Roles = Roles.Assessor)]
    public override Task ListUnitValues(ListUnitValuesRequest request, IServerStreamWriter<UnitValues> responseStream, ServerCallContext context) =>
        listing.ListAsync(Caller.From(context.GetHttpContext().User), request, responseStream, context.CancellationToken);
}

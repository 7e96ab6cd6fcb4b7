using Assessment.Contracts.V1;
using Assessment.Domain.Workflow;
using Assessment.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Assessment.Server.Services;

/// <summary>The year's 考核通知 over gRPC: thin over <see cref="NoticeDesk"/>; roles are checked there as well as here.</summary>
[Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin},{Roles.County}")]
public sealed class NoticeGrpcService(NoticeDesk desk, RequestLedger ledger) : NoticeService.NoticeServiceBase
{
    [Authorize(Roles = Roles.Assessor)]
    public override Task<BulletinStatus> Issue(IssueNoticeRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request,
            // In doubt: done when a notice is in force.
            Shows(context, request.Year, record => record.Current is { Withdrawn: null }),
            async () =>
            {
                RequestChecks.Require(RequestChecks.Year(request.Year));
                return BulletinProtoMapping.ToProto(request.Year, await desk.IssueAsync(Caller.From(context.GetHttpContext().User), request.Year));
            });

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<BulletinStatus> GetStatus(BulletinStatusRequest request, ServerCallContext context) =>
        BulletinProtoMapping.ToProto(request.Year, await desk.StatusAsync(Caller.From(context.GetHttpContext().User), request.Year));

    public override async Task Download(DownloadBulletinRequest request, IServerStreamWriter<BulletinChunk> responseStream, ServerCallContext context)
    {
        RequestChecks.Require(RequestChecks.Year(request.Year),
            request.Edition is < 0 or > Grains.Grains.BulletinGrain.MaxEditions ? new Grains.Abstractions.FieldError("edition", $"须为 0（现行）或 1–{Grains.Grains.BulletinGrain.MaxEditions}") : null,
            request.Format == BulletinFormat.Verification ? new Grains.Abstractions.FieldError("format", "考核通知没有核验单") : null);
        var document = await desk.ReadAsync(Caller.From(context.GetHttpContext().User), request.Year,
            request.Format == BulletinFormat.Markdown ? Bulletins.BulletinFormat.Markdown : Bulletins.BulletinFormat.Html,
            request.Format == BulletinFormat.Pdf, request.Edition, download: true);
        await BulletinGrpcService.StreamAsync(document, responseStream, context);
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<BulletinStatus> Withdraw(WithdrawBulletinRequest request, ServerCallContext context) =>
        Reasoned(context, request, request.RequestId, request.Year, request.Reason, desk.WithdrawAsync,
            Shows(context, request.Year, BulletinGrpcService.WithdrawnFor(request.Reason)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<BulletinStatus> Correct(CorrectBulletinRequest request, ServerCallContext context) =>
        Reasoned(context, request, request.RequestId, request.Year, request.Reason, desk.CorrectAsync,
            Shows(context, request.Year, BulletinGrpcService.CorrectedFor(request.Reason)));

    private InDoubt<BulletinStatus> Shows(ServerCallContext context, int year, Func<Grains.Abstractions.BulletinRecord, bool> tookEffect) =>
        InDoubt<BulletinStatus>.ReadTarget(async () =>
        {
            var record = await desk.StatusAsync(Caller.From(context.GetHttpContext().User), year);
            return tookEffect(record) ? BulletinProtoMapping.ToProto(year, record) : null;
        });

    private Task<BulletinStatus> Reasoned(ServerCallContext context, IMessage request, string requestId, int year, string reason,
        Func<Caller, int, string, Task<Grains.Abstractions.BulletinRecord>> write, InDoubt<BulletinStatus> inDoubt) =>
        ledger.RunAsync(context, requestId, request, inDoubt, async () =>
        {
            RequestChecks.Require(RequestChecks.Year(year), WorkflowText.Reason(reason) is { } v ? new Grains.Abstractions.FieldError(v.Field, v.Description) : null);
            return BulletinProtoMapping.ToProto(year, await write(Caller.From(context.GetHttpContext().User), year, reason));
        });
}

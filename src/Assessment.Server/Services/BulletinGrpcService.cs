using Assessment.Contracts.V1;
using Assessment.Domain.Workflow;
using Assessment.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Role = Assessment.Grains.Abstractions.Role;

namespace Assessment.Server.Services;

/// <summary>The results bulletin: reading and downloading (leaders get personal copies), and the assessors' desk.</summary>
[Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}")]
public sealed class BulletinGrpcService(BulletinComposer composer, BulletinDesk desk, RequestLedger ledger) : BulletinService.BulletinServiceBase
{
    /// <summary>Files are streamed in chunks well under the 256 KiB message limit clients are told about.</summary>
    public const int ChunkBytes = 192 * 1024;

    public override async Task<RenderedBulletin> Render(RenderBulletinRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year), Edition(request.Edition),
            request.Format == BulletinFormat.Pdf ? new Grains.Abstractions.FieldError("format", "PDF 请用 Download 下载") : null);
        if (request.Format == BulletinFormat.Verification)
        {
            if (caller.Role == Role.Leader)
            {
                throw new Grains.Abstractions.PermissionDeniedException();
            }

            var sheet = await composer.RenderVerificationAsync(caller.Tenant, request.Year);
            return new RenderedBulletin { Content = sheet.Content, MediaType = sheet.MediaType, Sha256 = sheet.Sha256 };
        }

        var document = await desk.ReadAsync(caller, request.Year, TextFormat(request.Format), pdf: false, request.Edition, download: false);
        return BulletinProtoMapping.ToRendered(document);
    }

    public override async Task Download(DownloadBulletinRequest request, IServerStreamWriter<BulletinChunk> responseStream, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year), Edition(request.Edition),
            request.Format == BulletinFormat.Verification ? new Grains.Abstractions.FieldError("format", "核验单请用 Render 获取") : null);
        var pdf = request.Format == BulletinFormat.Pdf;
        var document = await desk.ReadAsync(caller, request.Year, TextFormat(request.Format), pdf, request.Edition, download: true);
        await StreamAsync(document, responseStream, context);
    }

    /// <summary>A document in chunks; the first says what the file is.</summary>
    public static async Task StreamAsync(BulletinDocument document, IServerStreamWriter<BulletinChunk> responseStream, ServerCallContext context)
    {
        for (var offset = 0; offset == 0 || offset < document.Data.Length; offset += ChunkBytes)
        {
            var chunk = new BulletinChunk { Data = ByteString.CopyFrom(document.Data, offset, Math.Min(ChunkBytes, document.Data.Length - offset)) };
            if (offset == 0)
            {
                chunk.Info = BulletinProtoMapping.ToInfo(document);
            }

            await responseStream.WriteAsync(chunk, context.CancellationToken);
        }
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<BulletinStatus> GetStatus(BulletinStatusRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        await composer.RoundAsync(caller.Tenant, request.Year);
        return BulletinProtoMapping.ToProto(request.Year, await desk.StatusAsync(caller.Tenant, request.Year));
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<BulletinStatus> Withdraw(WithdrawBulletinRequest request, ServerCallContext context) =>
        ReasonedWrite(context, request, request.RequestId, request.Year, request.Reason, desk.WithdrawAsync,
            Shows(context, request.Year, WithdrawnFor(request.Reason)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<BulletinStatus> Correct(CorrectBulletinRequest request, ServerCallContext context) =>
        ReasonedWrite(context, request, request.RequestId, request.Year, request.Reason, desk.CorrectAsync,
            Shows(context, request.Year, CorrectedFor(request.Reason)));

    /// <summary>In doubt, a withdrawal took effect when an edition was withdrawn for its reason (a later correction never is).</summary>
    public static Func<Grains.Abstractions.BulletinRecord, bool> WithdrawnFor(string reason) =>
        record => Array.Exists(record.Editions, e => e.Withdrawn?.Reason == reason);

    /// <summary>In doubt, a correction took effect when the edition in force is a correction for its reason.</summary>
    public static Func<Grains.Abstractions.BulletinRecord, bool> CorrectedFor(string reason) =>
        record => record.Editions is [.., { Corrects: not null, Withdrawn: null } last] && last.CorrectionReason == reason;

    /// <summary>The year's bulletin status when the bulletins, read again, show the write; else null.</summary>
    private InDoubt<BulletinStatus> Shows(ServerCallContext context, int year, Func<Grains.Abstractions.BulletinRecord, bool> tookEffect) =>
        InDoubt<BulletinStatus>.ReadTarget(async () =>
        {
            var record = await desk.StatusAsync(Caller.From(context.GetHttpContext().User).Tenant, year);
            return tookEffect(record) ? BulletinProtoMapping.ToProto(year, record) : null;
        });

    /// <summary>An assessor's write on a year's bulletin that must say why: once per request_id, reason checked first.</summary>
    private Task<BulletinStatus> ReasonedWrite(ServerCallContext context, IMessage request, string requestId, int year, string reason,
        Func<Caller, int, string, Task<Grains.Abstractions.BulletinRecord>> write, InDoubt<BulletinStatus> inDoubt) =>
        ledger.RunAsync(context, requestId, request, inDoubt, async () =>
        {
            RequestChecks.Require(RequestChecks.Year(year), Reason(reason));
            return BulletinProtoMapping.ToProto(year, await write(Caller.From(context.GetHttpContext().User), year, reason));
        });

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RemindUnreadResponse> RemindUnread(RemindUnreadRequest request, ServerCallContext context) =>
        // Reminders leave no mark a retry could tell apart from another assessor's: in doubt, the assessor decides.
        ledger.RunAsync(context, request.RequestId, request, InDoubt<RemindUnreadResponse>.Unresolvable, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(RequestChecks.Year(request.Year));
            var (unread, posted) = await desk.RemindUnreadAsync(caller, request.Year, context.CancellationToken);
            var response = new RemindUnreadResponse { Posted = posted };
            response.Recipients.AddRange(unread.Select(r => r.Person));
            return response;
        });

    [Authorize(Roles = Roles.Leader)]
    public override async Task<ListMyBulletinsResponse> ListMine(ListMyBulletinsRequest request, ServerCallContext context)
    {
        var mine = await desk.MineAsync(Caller.From(context.GetHttpContext().User));
        var response = new ListMyBulletinsResponse();
        response.Bulletins.AddRange(mine.Select(BulletinProtoMapping.ToProto));
        return response;
    }

    private static Bulletins.BulletinFormat TextFormat(BulletinFormat format) =>
        format == BulletinFormat.Markdown ? Bulletins.BulletinFormat.Markdown : Bulletins.BulletinFormat.Html;

    private static Grains.Abstractions.FieldError? Edition(int edition) =>
        edition is < 0 or > Grains.Grains.BulletinGrain.MaxEditions ? new("edition", $"须为 0（现行）或 1–{Grains.Grains.BulletinGrain.MaxEditions}") : null;

    private static Grains.Abstractions.FieldError? Reason(string reason) =>
        WorkflowText.Reason(reason) is { } v ? new(v.Field, v.Description) : null;
}

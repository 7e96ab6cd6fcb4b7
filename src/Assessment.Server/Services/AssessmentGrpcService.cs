using Assessment.Contracts.V1;
using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Domain.Keys;
using Assessment.Domain.Scoring;
using Assessment.Domain.Validation;
using Assessment.Domain.Workflow;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using static Assessment.Server.Services.AssessmentProtoMapping;

namespace Assessment.Server.Services;

/// <summary>Scores and rankings. Assessors and leaders see the tenant; a county sees only itself.</summary>
// Every method also names its own roles: the class admits the 考核组 member only for what a method grants it.
[Authorize(Roles = $"{Roles.Assessor},{Roles.Member},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
public sealed class AssessmentGrpcService(IClusterClient cluster, CountyDesk counties, RoundDesk rounds, RequestLedger ledger)
    : AssessmentService.AssessmentServiceBase
{
    /// <summary>A ranking result is immutable; its protobuf message is built once and shared.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RankingResult, Ranking> BuiltRankings = new();

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
    public override async Task<County> GetCounty(GetCountyRequest request, ServerCallContext context) =>
        ToProto(await counties.GetAsync(Caller.From(context.GetHttpContext().User), request.Year, request.County));

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}")]
    public override async Task<Ranking> GetRanking(GetRankingRequest request, ServerCallContext context)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The round grain hands out the same immutable result until a county changes; its message is built once.
        var ranking = BuiltRankings.GetValue(await rounds.RankingAsync(Caller.From(context.GetHttpContext().User), request.Year), ToProto);
        PlatformMeter.RankingDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return ranking;
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
    public override async Task<RoundSummary> GetRound(GetRoundRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var info = await rounds.InfoAsync(caller, request.Year);
        var summary = ToProto(info, await Round(caller, request.Year).GetProgress(), caller);
        if (request.WithSchemeText)
        {
            summary.SchemeYaml = await Round(caller, request.Year).GetSchemeText() ?? "";
        }

        return summary;
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> DefineRound(DefineRoundRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request, RoundShows(context, request.Year, async info =>
            info.Phase == RoundPhase.Draft && info.SubmissionDeadline == request.SubmissionDeadline?.ToDateTimeOffset()
            && info.ReviewDeadline == request.ReviewDeadline?.ToDateTimeOffset()
            && (request.CatalogVersion == 0 || info.CatalogVersion == request.CatalogVersion)
            && (request.SchemeYaml.Length == 0 || await Round(Caller.From(context.GetHttpContext().User), request.Year).GetSchemeText() == request.SchemeYaml)), async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(
                RequestChecks.Year(request.Year),
                request.SubmissionDeadline is null ? new FieldError("submission_deadline", "须设置填报截止时间") : null,
                RequestChecks.Time("submission_deadline", request.SubmissionDeadline, out var submissionDeadline),
                RequestChecks.Time("review_deadline", request.ReviewDeadline, out var reviewDeadline),
                request.CatalogVersion < 0 ? new FieldError("catalog_version", "须为指标目录的版本号（0 表示最新版）") : null);
            var info = await rounds.DefineAsync(caller, request.Year, request.SchemeYaml, submissionDeadline!.Value, reviewDeadline,
                request.CatalogVersion == 0 ? null : request.CatalogVersion);
            var round = Round(caller, request.Year);
            return ToProto(info, await round.GetProgress(), caller);
        });

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> OpenRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, caller => rounds.OpenAsync(caller, request.Year, Expected(request.HasExpectedVersion, request.ExpectedVersion)),
            RoundDesk.ShowsOpened);

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> CloseRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, caller => rounds.CloseAsync(caller, request.Year, Expected(request.HasExpectedVersion, request.ExpectedVersion)),
            RoundDesk.ShowsClosed);

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> PublishRound(PublishRoundRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, caller => rounds.PublishAsync(caller, request.Year, Expected(request.HasExpectedVersion, request.ExpectedVersion)),
            RoundDesk.ShowsPublished);

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override Task<RoundSummary> RepinScheme(RepinSchemeRequest request, ServerCallContext context)
    {
        RoundDesk.RequireScheme(request.SchemeYaml);
        return RoundCommand(context, request, request.RequestId, request.Year, caller => rounds.RepinAsync(caller, request.Year, request.SchemeYaml, request.Reason),
            async info => await Round(Caller.From(context.GetHttpContext().User), request.Year).GetSchemeText() == request.SchemeYaml);
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override Task<RoundSummary> RepinCatalog(RepinCatalogRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, caller => rounds.RepinCatalogAsync(caller, request.Year, request.CatalogVersion, request.Reason),
            info => info.CatalogVersion == request.CatalogVersion);

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Ranking> OverrideQuota(OverrideQuotaRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request,
            InDoubt<Ranking>.ReadTarget(async () => await rounds.RankingAsync(Caller.From(context.GetHttpContext().User), request.Year) is { } ranking
                && Array.Exists(ranking.Rows, r => r.County == request.County && r.QuotaOverride) ? ToProto(ranking) : null),
            async () => ToProto(await rounds.OverrideQuotaAsync(Caller.From(context.GetHttpContext().User), request.Year, request.County, request.Reason)));

    [Authorize(Roles = Roles.County)]
    public override Task<Contracts.V1.CountyWorkflow> SubmitForReview(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
            counties.SubmitForReviewAsync(caller, request.Year, request.County, NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion), once));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ReturnCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
            counties.ReturnAsync(caller, request.Year, request.County, request.Reason, Expected(request.HasExpectedVersion, request.ExpectedVersion), once));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ApproveCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
            counties.ApproveAsync(caller, request.Year, request.County, NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion), once));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ExtendDeadline(ExtendDeadlineRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
        {
            RequestChecks.Require(
                request.Until is null ? new FieldError("until", "须设置延期截止时间") : null,
                RequestChecks.Time("until", request.Until, out var until));
            return counties.ExtendAsync(caller, request.Year, request.County, until!.Value, request.Reason, Expected(request.HasExpectedVersion, request.ExpectedVersion), once);
        });

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> AdjustScore(AdjustScoreRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
            counties.AdjustAsync(caller, request.Year, request.County, NullIfEmpty(request.AdjustmentId), request.Target, request.Points, NullIfEmpty(request.Evidence),
                request.Withdraw, NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion), once));

    // A 考核组 member too, for the 考核组's scores only (CountyDesk checks every value).
    [Authorize(Roles = Roles.Assessor + "," + Roles.Member)]
    public override Task<Contracts.V1.CountyWorkflow> EnterAssessorValues(EnterAssessorValuesRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.County, (caller, once) =>
        {
            var validId = Guid.TryParse(request.SubmissionId, out var submissionId) && submissionId != Guid.Empty;
            RequestChecks.Require(validId ? null : new FieldError("submission_id", "须为 UUID（同一份录入重试时使用同一个 UUID）"));
            return counties.EnterAssessorValuesAsync(caller, request.Year, request.County, submissionId,
                request.Values.Select(v => new ValueEntry(v.Code, v.HasValue ? v.Value : null, NullIfEmpty(v.Note))).ToArray(),
                NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion), once);
        });

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
    public override async Task<ListAuditResponse> ListAudit(ListAuditRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var countyId = CountyDesk.Target(caller, request.County); // authorize before validating
        var from = 0;
        RequestChecks.Require(
            RequestChecks.Year(request.Year),
            request.PageSize is < 0 or > 1000 ? new FieldError("page_size", "须在 1–1000 之间（0 为默认 200）") : null,
            request.PageToken.Length == 0 || (int.TryParse(request.PageToken, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out from) && from >= 0)
                ? null
                : new FieldError("page_token", "须为上一页返回的 next_page_token"));
        var (info, _) = await counties.RosterAsync(caller, request.Year, countyId);
        var page = await counties.ReadAuditAsync(caller, request.Year, countyId, from, request.PageSize == 0 ? 200 : request.PageSize);
        var response = new ListAuditResponse { Head = new Contracts.V1.AuditHead { Count = page.Head.Count, Hash = page.Head.Hash } };
        response.Entries.AddRange(page.Entries.Select(e => new Contracts.V1.AuditRecord { Index = e.Index, PrevHash = e.PrevHash, Body = e.Body, Hash = e.Hash }));
        var next = from + page.Entries.Length;
        response.NextPageToken = page.Entries.Length > 0 && next < page.Head.Count ? next.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
        if (info.PublishedHeads.TryGetValue(countyId, out var anchored))
        {
            response.AnchoredHead = new Contracts.V1.AuditHead { Count = anchored.Count, Hash = anchored.Hash };
        }

        return response;
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}")]
    public override async Task<ListNotificationsResponse> ListNotifications(ListNotificationsRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var response = new ListNotificationsResponse();
        response.Notifications.AddRange((await Round(caller, request.Year).GetNotifications()).Select(n =>
        {
            var proto = new Notification
            {
                Sequence = n.Sequence,
                At = Timestamp.FromDateTimeOffset(n.At),
                Kind = n.Kind,
                OffsetHours = n.Offset.TotalHours,
                OverdueCount = n.OverdueCount,
                Delivered = n.Delivered,
            };
            proto.Overdue.AddRange(n.Overdue);
            return proto;
        }));
        return response;
    }

    /// <summary>
    /// A round write: once per request_id, its answer the round's summary as the caller may see it. In doubt, the round
    /// is re-read: <paramref name="tookEffect"/> says whether it shows the write.
    /// </summary>
    private Task<RoundSummary> RoundCommand(ServerCallContext context, Google.Protobuf.IMessage request, string requestId, int year,
        Func<Caller, Task<RoundInfo>> command, Func<RoundInfo, bool> tookEffect) =>
        RoundCommand(context, request, requestId, year, command, info => Task.FromResult(tookEffect(info)));

    private Task<RoundSummary> RoundCommand(ServerCallContext context, Google.Protobuf.IMessage request, string requestId, int year,
        Func<Caller, Task<RoundInfo>> command, Func<RoundInfo, Task<bool>> tookEffect) =>
        ledger.RunAsync(context, requestId, request, RoundShows(context, year, tookEffect), async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(RequestChecks.Year(year));
            var info = await command(caller);
            return ToProto(info, await Round(caller, year).GetProgress(), caller);
        });

    private InDoubt<RoundSummary> RoundShows(ServerCallContext context, int year, Func<RoundInfo, bool> tookEffect) =>
        RoundShows(context, year, info => Task.FromResult(tookEffect(info)));

    /// <summary>The round's summary when the round, read again, shows the write; else null.</summary>
    private InDoubt<RoundSummary> RoundShows(ServerCallContext context, int year, Func<RoundInfo, Task<bool>> tookEffect) =>
        InDoubt<RoundSummary>.ReadTarget(async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            var info = await Round(caller, year).GetInfo();
            return info is not null && await tookEffect(info) ? ToProto(info, await Round(caller, year).GetProgress(), caller) : null;
        });

    /// <summary>
    /// A county write (rules in <see cref="CountyDesk"/>): authorized before anything is validated, then once per
    /// request_id, its answer the county's workflow as the caller may see it.
    /// </summary>
    private Task<Contracts.V1.CountyWorkflow> CountyCommand(ServerCallContext context, Google.Protobuf.IMessage request, string requestId, string requested,
        Func<Caller, Guid?, Task<(CountyWorkflowView View, CountyInfo County)>> command)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        CountyDesk.Target(caller, requested); // authorize before validating
        // The county remembers recent request ids: in doubt, sending the write again reads it there.
        return ledger.RunAsync(context, requestId, request, InDoubt<Contracts.V1.CountyWorkflow>.RepeatIsRead, async () =>
        {
            var (view, county) = await command(caller, Guid.TryParse(requestId, out var id) ? id : null);
            return ToProto(view, caller, county);
        });
    }

    private static int? Expected(bool has, int version) => has ? version : null;

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;



    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<SimulateSchemeResponse> SimulateScheme(SimulateSchemeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var result = await rounds.SimulateAsync(caller, request.Year, request.SchemeYaml);
        var response = new SimulateSchemeResponse { Draft = ToProto(result.Draft) };
        response.GradeCounts.AddRange(result.GradeCounts.Select(g => new GradeCount { Grade = g.Key, Count = g.Value }));
        response.Moved.AddRange(result.Moved.Select(m => new Contracts.V1.CountyMove
        {
            County = m.County,
            Name = m.Name,
            CurrentRank = m.CurrentRank,
            DraftRank = m.DraftRank,
            CurrentGrade = m.CurrentGrade,
            DraftGrade = m.DraftGrade,
            CurrentTotal = m.CurrentTotal,
            DraftTotal = m.DraftTotal,
        }));
        return response;
    }

    private IRoundGrain Round(Caller caller, int year) => cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, year));
}

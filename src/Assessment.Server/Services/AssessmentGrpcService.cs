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
[Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
public sealed class AssessmentGrpcService(IClusterClient cluster, IndicatorCatalog catalog, RequestLedger ledger, BulletinComposer bulletins, ILogger<AssessmentGrpcService> logger)
    : AssessmentService.AssessmentServiceBase
{
    /// <summary>A ranking result is immutable; its protobuf message is built once and shared.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RankingResult, Ranking> BuiltRankings = new();

    public override async Task<County> GetCounty(GetCountyRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var county = TargetCounty(caller, request.County); // authorize before validating
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, request.Year));
        var info = await round.GetInfo() ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{request.Year} 年度考核尚未开启。");
        var countyInfo = Array.Find(info.Counties, c => c.Id == county) ?? throw new NotFoundException($"{request.Year} 年度考核名单中没有该县（区）。");
        await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        var score = await round.GetCountyScore(county);
        var countyGrain = cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, county, request.Year));
        var aggregate = await countyGrain.GetAggregate();
        var workflow = await countyGrain.GetWorkflow();

        var response = new County
        {
            Id = county,
            Name = countyInfo.Name,
            Year = request.Year,
            Total = score.Card.Total,
            Grade = score.Grade,
            Rank = score.Rank,
            Vetoed = score.Card.Vetoed,
            VetoReason = score.Card.VetoReason ?? "",
            Bonus = score.Card.Bonus,
            Deductions = score.Card.Deductions,
            Scheme = score.SchemeId,
            Adjusted = score.Card.Adjusted,
            Workflow = ToProto(workflow, caller, countyInfo),
        };
        foreach (var indicator in catalog.Indicators)
        {
            if (aggregate.Values.TryGetValue(indicator.Code, out var value))
            {
                response.Values.Add(new AggregatedValue
                {
                    Code = indicator.Code,
                    Name = indicator.Name,
                    Value = value,
                    Reporters = aggregate.Reporters.GetValueOrDefault(indicator.Code),
                });
            }
        }

        response.Units.AddRange(aggregate.UnitVersions.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => new UnitVersion { Unit = u.Key, Version = u.Value }));
        response.Dimensions.AddRange(score.Card.Dimensions.Select(d =>
        {
            var dimension = new Contracts.V1.DimensionScore { Code = d.Code, Name = d.Name, Weight = d.Weight, Points = d.Points };
            dimension.Lines.AddRange(d.Lines.Select(ToProto));
            return dimension;
        }));
        response.BonusLines.AddRange(score.Card.BonusLines.Select(ToProto));
        response.Warnings.AddRange(ConsistencyWarnings.Check(catalog, aggregate.Values).Select(w => new DataWarning { Code = w.Code, Message = w.Message }));
        return response;
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin}")]
    public override async Task<Ranking> GetRanking(GetRankingRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (caller.Role == Role.Leader && await Round(caller, request.Year).GetInfo() is { } info)
        {
            await LeaderAccess.RequireResultsAsync(cluster, caller, info);
        }

        // The round grain hands out the same immutable result until a county changes; its message is built once.
        var ranking = BuiltRankings.GetValue(await Round(caller, request.Year).GetRanking(), ToProto);
        PlatformMeter.RankingDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return ranking;
    }

    public override async Task<RoundSummary> GetRound(GetRoundRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var round = Round(caller, request.Year);
        var info = await round.GetInfo() ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{request.Year} 年度考核尚未开启。");
        return ToProto(info, await round.GetProgress(), caller);
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> DefineRound(DefineRoundRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(
                RequestChecks.Year(request.Year),
                request.SubmissionDeadline is null ? new FieldError("submission_deadline", "须设置填报截止时间") : null,
                RequestChecks.Time("submission_deadline", request.SubmissionDeadline, out var submissionDeadline),
                RequestChecks.Time("review_deadline", request.ReviewDeadline, out var reviewDeadline));
            var yaml = string.IsNullOrWhiteSpace(request.SchemeYaml) ? Domain.EmbeddedData.Read("default-scheme.yaml") : request.SchemeYaml;
            RequireScheme(yaml);
            var profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(caller.Tenant)).GetProfile()
                ?? throw new NotFoundException("租户不存在。");
            var round = Round(caller, request.Year);
            var info = await round.Define(new RoundDefinition(yaml, profile.Counties, submissionDeadline!.Value, reviewDeadline), Actor(caller));
            return ToProto(info, await round.GetProgress(), caller);
        });

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> OpenRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, (round, actor) => round.Open(actor, Expected(request.HasExpectedVersion, request.ExpectedVersion)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> CloseRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundCommand(context, request, request.RequestId, request.Year, (round, actor) => round.Close(actor, Expected(request.HasExpectedVersion, request.ExpectedVersion)));

    [Authorize(Roles = Roles.Assessor)]
    public override async Task<RoundSummary> PublishRound(PublishRoundRequest request, ServerCallContext context)
    {
        var summary = await RoundCommand(context, request, request.RequestId, request.Year, (round, actor) => round.Publish(actor, Expected(request.HasExpectedVersion, request.ExpectedVersion)));
        try
        {
            // The bulletin is issued now: its number and date belong to the publication, not to the first reader.
            await bulletins.IssueAsync(Caller.From(context.GetHttpContext().User).Tenant, request.Year);
        }
        catch (AssessmentException ex)
        {
            // The publication stands; the bulletin is issued on its first read instead (a tenant template may be broken).
            logger.LogWarning("Bulletin of {Year} not issued at publication: {Reason}", request.Year, ex.Message);
        }

        return summary;
    }

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override Task<RoundSummary> RepinScheme(RepinSchemeRequest request, ServerCallContext context)
    {
        RequireScheme(request.SchemeYaml);
        return RoundCommand(context, request, request.RequestId, request.Year, (round, actor) => round.RepinScheme(request.SchemeYaml, request.Reason, actor));
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Ranking> OverrideQuota(OverrideQuotaRequest request, ServerCallContext context) =>
        ledger.RunAsync(context, request.RequestId, request, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(RequestChecks.Year(request.Year), RequestChecks.County(request.County));
            return ToProto(await Round(caller, request.Year).OverrideQuota(request.County, request.Reason, Actor(caller)));
        });

    [Authorize(Roles = Roles.County)]
    public override Task<Contracts.V1.CountyWorkflow> SubmitForReview(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, (county, command) =>
            county.SubmitForReview(command(NullIfEmpty(request.Reason), request.HasExpectedVersion ? request.ExpectedVersion : null)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ReturnCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, (county, command) =>
            county.Return(command(request.Reason, request.HasExpectedVersion ? request.ExpectedVersion : null)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ApproveCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, (county, command) =>
            county.Approve(command(NullIfEmpty(request.Reason), request.HasExpectedVersion ? request.ExpectedVersion : null)));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ExtendDeadline(ExtendDeadlineRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, (county, command) =>
        {
            RequestChecks.Require(
                request.Until is null ? new FieldError("until", "须设置延期截止时间") : null,
                RequestChecks.Time("until", request.Until, out var until));
            return county.Extend(until!.Value, command(request.Reason, request.HasExpectedVersion ? request.ExpectedVersion : null));
        });

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> AdjustScore(AdjustScoreRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, (county, command) =>
            county.Adjust(new AdjustmentCommand(NullIfEmpty(request.AdjustmentId), request.Target, request.Points, NullIfEmpty(request.Evidence), request.Withdraw,
                command(NullIfEmpty(request.Reason), request.HasExpectedVersion ? request.ExpectedVersion : null))));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> EnterAssessorValues(EnterAssessorValuesRequest request, ServerCallContext context) =>
        CountyCommand(context, request, request.RequestId, request.Year, request.County, async (county, command) =>
        {
            var validId = Guid.TryParse(request.SubmissionId, out var submissionId) && submissionId != Guid.Empty;
            RequestChecks.Require(validId ? null : new FieldError("submission_id", "须为 UUID（同一份录入重试时使用同一个 UUID）"));
            var entry = command(NullIfEmpty(request.Reason), request.HasExpectedVersion ? request.ExpectedVersion : null);
            var (tenant, countyId, _) = GrainKeys.ParseCounty(county.GetPrimaryKeyString());
            var unit = cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, countyId, GrainKeys.AssessorEntry, request.Year));
            await unit.Submit(new UnitSubmission(submissionId,
                request.Values.Select(v => new ValueEntry(v.Code, v.HasValue ? v.Value : null, NullIfEmpty(v.Note))).ToArray(),
                Actor: entry.Actor, Reason: entry.Reason, ExpectedVersion: entry.ExpectedVersion));
            return await county.GetWorkflow();
        });

    [Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
    public override async Task<ListAuditResponse> ListAudit(ListAuditRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var countyId = TargetCounty(caller, request.County); // authorize before validating
        var from = 0;
        RequestChecks.Require(
            RequestChecks.Year(request.Year),
            request.PageSize is < 0 or > 1000 ? new FieldError("page_size", "须在 1–1000 之间（0 为默认 200）") : null,
            request.PageToken.Length == 0 || (int.TryParse(request.PageToken, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out from) && from >= 0)
                ? null
                : new FieldError("page_token", "须为上一页返回的 next_page_token"));
        var info = await RosterAsync(caller, request.Year, countyId);
        var page = await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, request.Year))
            .ReadAudit(from, request.PageSize == 0 ? 200 : request.PageSize);
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

    /// <summary>A round write: once per request_id, its answer the round's summary as the caller may see it.</summary>
    private Task<RoundSummary> RoundCommand(ServerCallContext context, Google.Protobuf.IMessage request, string requestId, int year,
        Func<IRoundGrain, string, Task<RoundInfo>> command) =>
        ledger.RunAsync(context, requestId, request, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            RequestChecks.Require(RequestChecks.Year(year));
            var round = Round(caller, year);
            var info = await command(round, Actor(caller));
            return ToProto(info, await round.GetProgress(), caller);
        });

    /// <summary>
    /// A county write: the target county comes from the credential (a county only ever acts on itself) and must be in
    /// the round's roster; authorized before anything is validated; once per request_id, which the county also keeps,
    /// so even a retry that finds no stored answer (its first call's silo died) does not apply twice.
    /// </summary>
    private Task<Contracts.V1.CountyWorkflow> CountyCommand(ServerCallContext context, Google.Protobuf.IMessage request, string requestId,
        int year, string requested, Func<ICountyGrain, Func<string?, int?, WorkflowCommand>, Task<CountyWorkflowView>> command)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var countyId = TargetCounty(caller, requested); // authorize before validating
        return ledger.RunAsync(context, requestId, request, async () =>
        {
            RequestChecks.Require(RequestChecks.Year(year));
            var info = await RosterAsync(caller, year, countyId);
            Guid? once = Guid.TryParse(requestId, out var id) ? id : null;
            var view = await command(cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)),
                (reason, expected) => new WorkflowCommand(Actor(caller), reason, expected, once));
            return ToProto(view, caller, info.Counties.First(c => c.Id == countyId));
        });
    }

    private async Task<RoundInfo> RosterAsync(Caller caller, int year, string county)
    {
        var info = await Round(caller, year).GetInfo() ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{year} 年度考核尚未开启。");
        return Array.Exists(info.Counties, c => c.Id == county) ? info : throw new NotFoundException($"{year} 年度考核名单中没有该县（区）。");
    }

    private static string TargetCounty(Caller caller, string requested)
    {
        if (caller.Role == Role.County)
        {
            // A county may only act on itself; naming another county is denied whether or not it exists.
            return string.IsNullOrEmpty(requested) || requested == caller.County
                ? caller.County!
                : throw new PermissionDeniedException();
        }

        RequestChecks.Require(RequestChecks.County(requested));
        return requested;
    }

    private static int? Expected(bool has, int version) => has ? version : null;

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;



    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<SimulateSchemeResponse> SimulateScheme(SimulateSchemeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        RequireScheme(request.SchemeYaml);
        var result = await Round(caller, request.Year).Simulate(request.SchemeYaml);
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

    private static string Actor(Caller caller) => $"{caller.Name}（{caller.Role}）";

    private static void RequireScheme(string yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml) || System.Text.Encoding.UTF8.GetByteCount(yaml) > RequestChecks.MaxSchemeBytes)
        {
            throw new ValidationFailedException([new FieldError("scheme_yaml", "须为评分细则文件内容（YAML，不超过 200 KiB）")]);
        }
    }
}

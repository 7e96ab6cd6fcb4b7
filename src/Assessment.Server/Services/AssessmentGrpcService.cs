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

namespace Assessment.Server.Services;

/// <summary>Scores and rankings. Assessors and leaders see the tenant; a county sees only itself.</summary>
[Authorize(Roles = $"{Roles.Assessor},{Roles.Leader},{Roles.TenantAdmin},{Roles.County}")]
public sealed class AssessmentGrpcService(IClusterClient cluster, IndicatorCatalog catalog) : AssessmentService.AssessmentServiceBase
{
    public override async Task<County> GetCounty(GetCountyRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var county = TargetCounty(caller, request.County); // authorize before validating
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, request.Year));
        var info = await round.GetInfo() ?? throw new PreconditionException(LockReasons.RoundNotOpen, $"{request.Year} 年度考核尚未开启。");
        var countyInfo = Array.Find(info.Counties, c => c.Id == county) ?? throw new NotFoundException($"{request.Year} 年度考核名单中没有该县（区）。");
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
    public override async Task<RoundSummary> DefineRound(DefineRoundRequest request, ServerCallContext context)
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
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> OpenRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundTransition(request, context, (round, actor, version) => round.Open(actor, version));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<RoundSummary> CloseRound(RoundTransitionRequest request, ServerCallContext context) =>
        RoundTransition(request, context, (round, actor, version) => round.Close(actor, version));

    [Authorize(Roles = Roles.County)]
    public override Task<Contracts.V1.CountyWorkflow> SubmitForReview(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request.Year, request.County, (county, caller) =>
            county.SubmitForReview(new WorkflowCommand(Actor(caller), NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion))));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ReturnCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request.Year, request.County, (county, caller) =>
            county.Return(new WorkflowCommand(Actor(caller), request.Reason, Expected(request.HasExpectedVersion, request.ExpectedVersion))));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ApproveCounty(CountyTransitionRequest request, ServerCallContext context) =>
        CountyCommand(context, request.Year, request.County, (county, caller) =>
            county.Approve(new WorkflowCommand(Actor(caller), NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion))));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> ExtendDeadline(ExtendDeadlineRequest request, ServerCallContext context)
    {
        RequestChecks.Require(
            request.Until is null ? new FieldError("until", "须设置延期截止时间") : null,
            RequestChecks.Time("until", request.Until, out var until));
        return CountyCommand(context, request.Year, request.County, (county, caller) =>
            county.Extend(until!.Value, new WorkflowCommand(Actor(caller), request.Reason, Expected(request.HasExpectedVersion, request.ExpectedVersion))));
    }

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> AdjustScore(AdjustScoreRequest request, ServerCallContext context) =>
        CountyCommand(context, request.Year, request.County, (county, caller) =>
            county.Adjust(new AdjustmentCommand(NullIfEmpty(request.AdjustmentId), request.Target, request.Points, NullIfEmpty(request.Evidence), request.Withdraw,
                new WorkflowCommand(Actor(caller), NullIfEmpty(request.Reason), Expected(request.HasExpectedVersion, request.ExpectedVersion)))));

    [Authorize(Roles = Roles.Assessor)]
    public override Task<Contracts.V1.CountyWorkflow> EnterAssessorValues(EnterAssessorValuesRequest request, ServerCallContext context)
    {
        var validId = Guid.TryParse(request.SubmissionId, out var submissionId) && submissionId != Guid.Empty;
        RequestChecks.Require(validId ? null : new FieldError("submission_id", "须为 UUID（同一份录入重试时使用同一个 UUID）"));
        return CountyCommand(context, request.Year, request.County, async (county, caller) =>
        {
            var unit = cluster.GetGrain<IUnitGrain>(GrainKeys.Unit(caller.Tenant, TargetCounty(caller, request.County), GrainKeys.AssessorEntry, request.Year));
            await unit.Submit(new UnitSubmission(submissionId,
                request.Values.Select(v => new ValueEntry(v.Code, v.HasValue ? v.Value : null, NullIfEmpty(v.Note))).ToArray(),
                Actor: Actor(caller), Reason: NullIfEmpty(request.Reason), ExpectedVersion: Expected(request.HasExpectedVersion, request.ExpectedVersion)));
            return await county.GetWorkflow();
        });
    }

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

    private async Task<RoundSummary> RoundTransition(RoundTransitionRequest request, ServerCallContext context, Func<IRoundGrain, string, int?, Task<RoundInfo>> transition)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var round = Round(caller, request.Year);
        var info = await transition(round, Actor(caller), Expected(request.HasExpectedVersion, request.ExpectedVersion));
        return ToProto(info, await round.GetProgress(), caller);
    }

    /// <summary>Resolves the target county from the credential (a county only ever acts on itself) and checks the roster.</summary>
    private async Task<Contracts.V1.CountyWorkflow> CountyCommand(ServerCallContext context, int year, string requested,
        Func<ICountyGrain, Caller, Task<CountyWorkflowView>> command)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        var countyId = TargetCounty(caller, requested); // authorize before validating
        RequestChecks.Require(RequestChecks.Year(year));
        var info = await RosterAsync(caller, year, countyId);
        var view = await command(cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, countyId, year)), caller);
        return ToProto(view, caller, info.Counties.First(c => c.Id == countyId));
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

    private static string Lower<T>(T value) where T : struct, System.Enum => value.ToString().ToLowerInvariant();

    private static Contracts.V1.CountyWorkflow ToProto(CountyWorkflowView view, Caller caller, CountyInfo county)
    {
        var assessor = caller.Role == Role.Assessor;
        var names = county.Units.ToDictionary(u => u.Id, u => u.Name, StringComparer.Ordinal);
        var proto = new Contracts.V1.CountyWorkflow
        {
            County = view.County,
            Status = Lower(view.Status),
            Phase = Lower(view.Phase),
            Version = view.Version,
            ReturnReason = view.ReturnReason ?? "",
            AuditHead = new Contracts.V1.AuditHead { Count = view.AuditHead.Count, Hash = view.AuditHead.Hash },
            MaySubmit = view.May.MaySubmit && caller.Role is Role.Unit or Role.County,
            MaySubmitForReview = view.May.MaySubmitForReview && caller.Role == Role.County,
            MayReturn = view.May.MayReturn && assessor,
            MayApprove = view.May.MayApprove && assessor,
            MayAdjust = view.May.MayAdjust && assessor,
            MayExtend = view.May.MayExtend && assessor,
            MayEnterAssessorValues = view.May.MayEnterAssessorValues && assessor,
            Completeness = new Contracts.V1.Completeness
            {
                UnitsExpected = view.Progress.UnitsExpected,
                UnitsSubmitted = view.Progress.UnitsSubmitted,
                OnTime = view.Progress.OnTime,
                Late = view.Progress.Late,
                MissingValues = view.Progress.MissingValues,
            },
        };
        if (view.Deadline is { } deadline)
        {
            proto.Deadline = Timestamp.FromDateTimeOffset(deadline);
        }

        if (view.Extension is { } extension)
        {
            proto.Extension = Timestamp.FromDateTimeOffset(extension);
        }

        proto.Adjustments.AddRange(view.Adjustments.Select(a => new Contracts.V1.Adjustment
        {
            Id = a.Id,
            Target = a.Target,
            Points = a.Points,
            Reason = a.Reason,
            Evidence = a.Evidence ?? "",
            Actor = a.Actor,
            At = Timestamp.FromDateTimeOffset(a.At),
        }));
        proto.Completeness.Units.AddRange(view.Progress.Units.Select(u =>
        {
            var unit = new UnitCompleteness { Unit = u.Unit, Name = names.GetValueOrDefault(u.Unit, u.Unit), Version = u.Version, Late = u.Late, MissingValues = u.MissingValues };
            if (u.LastStoredAt is { } at)
            {
                unit.LastStoredAt = Timestamp.FromDateTimeOffset(at);
            }

            return unit;
        }));
        return proto;
    }


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

    [Authorize(Roles = $"{Roles.Assessor},{Roles.TenantAdmin}")]
    public override async Task<RoundSummary> RepinScheme(RepinSchemeRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        RequireScheme(request.SchemeYaml);
        var round = Round(caller, request.Year);
        return ToProto(await round.RepinScheme(request.SchemeYaml, request.Reason, Actor(caller)), await round.GetProgress(), caller);
    }

    [Authorize(Roles = Roles.Assessor)]
    public override async Task<Ranking> OverrideQuota(OverrideQuotaRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year), RequestChecks.County(request.County));

        return ToProto(await Round(caller, request.Year).OverrideQuota(request.County, request.Reason, Actor(caller)));
    }

    [Authorize(Roles = Roles.Assessor)]
    public override async Task<RoundSummary> PublishRound(PublishRoundRequest request, ServerCallContext context)
    {
        var caller = Caller.From(context.GetHttpContext().User);
        RequestChecks.Require(RequestChecks.Year(request.Year));
        var round = Round(caller, request.Year);
        return ToProto(await round.Publish(Actor(caller), Expected(request.HasExpectedVersion, request.ExpectedVersion)), await round.GetProgress(), caller);
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

    private static RoundSummary ToProto(RoundInfo info, RoundProgress progress, Caller caller)
    {
        var assessor = caller.Role == Role.Assessor;
        var summary = new RoundSummary
        {
            Year = info.Year,
            Scheme = info.SchemeId,
            SchemeName = info.SchemeName,
            Published = info.Published,
            Counties = info.Counties.Length,
            Phase = Lower(info.Phase),
            Version = info.Version,
            SubmissionDeadline = Timestamp.FromDateTimeOffset(info.SubmissionDeadline),
            MayDefine = progress.MayDefine && assessor,
            MayOpen = progress.MayOpen && assessor,
            MayClose = progress.MayClose && assessor,
            MayPublish = progress.MayPublish && assessor,
            Completeness = new RoundCompleteness
            {
                Counties = progress.Counties,
                Collecting = progress.ByStatus[CountyStatus.Collecting],
                Submitted = progress.ByStatus[CountyStatus.Submitted],
                Returned = progress.ByStatus[CountyStatus.Returned],
                Reviewed = progress.ByStatus[CountyStatus.Reviewed],
                Published = progress.ByStatus[CountyStatus.Published],
                UnitsExpected = progress.UnitsExpected,
                UnitsSubmitted = progress.UnitsSubmitted,
                OnTime = progress.OnTime,
                Late = progress.Late,
                MissingValues = progress.MissingValues,
            },
        };
        if (info.OpenedAt is { } opened)
        {
            summary.OpenedAt = Timestamp.FromDateTimeOffset(opened);
        }

        if (info.ReviewDeadline is { } review)
        {
            summary.ReviewDeadline = Timestamp.FromDateTimeOffset(review);
        }

        summary.Audit.AddRange(info.Audit.Select(a => new AuditEntry
        {
            At = Timestamp.FromDateTimeOffset(a.At),
            Actor = a.Actor,
            Action = a.Action,
            Detail = a.Detail,
            Reason = a.Reason ?? "",
        }));
        return summary;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RankingResult, Ranking> BuiltRankings = new();

    private static Ranking ToProto(RankingResult ranking)
    {
        var response = new Ranking
        {
            Year = ranking.Year,
            Scheme = ranking.SchemeId,
            ComputedAt = Timestamp.FromDateTimeOffset(ranking.ComputedAt),
        };
        response.Dimensions.AddRange(ranking.Dimensions.Select(d => new Contracts.V1.DimensionHeader { Code = d.Code, Name = d.Name, Weight = d.Weight }));
        foreach (var row in ranking.Rows)
        {
            var entry = new RankingEntry
            {
                Rank = row.Rank,
                County = row.County,
                Name = row.Name,
                Total = row.Total,
                Grade = row.Grade,
                LimitedByQuota = row.LimitedByQuota,
                Vetoed = row.Vetoed,
                QuotaOverride = row.QuotaOverride,
            };
            if (row.PreviousRank is { } previousRank)
            {
                entry.PreviousRank = previousRank;
            }

            if (row.PreviousTotal is { } previousTotal)
            {
                entry.PreviousTotal = previousTotal;
            }

            entry.Dimensions.AddRange(row.Dimensions.Select((p, i) => new DimensionSubtotal { Code = ranking.Dimensions[i].Code, Points = p }));
            response.Entries.Add(entry);
        }

        return response;
    }

    private static Contracts.V1.ScoreLine ToProto(Domain.Scoring.ScoreLine line)
    {
        var proto = new Contracts.V1.ScoreLine
        {
            Indicator = line.Indicator,
            Name = line.Name,
            Rule = line.Rule,
            Status = line.Status switch
            {
                LineStatus.Missing => "missing",
                LineStatus.NotScored => "not_scored",
                _ => "scored",
            },
            Points = line.Points,
            Max = line.Max,
            Explanation = line.Explanation,
        };
        if (line.Value is { } v)
        {
            proto.Value = v;
        }

        if (line.Numerator is { } n)
        {
            proto.Numerator = n;
        }

        if (line.Denominator is { } d)
        {
            proto.Denominator = d;
        }

        return proto;
    }
}

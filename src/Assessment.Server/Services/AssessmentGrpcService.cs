using Assessment.Contracts.V1;
using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Domain.Keys;
using Assessment.Domain.Scoring;
using Assessment.Domain.Validation;
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
        RequestChecks.Require(RequestChecks.Year(request.Year));
        string county;
        if (caller.Role == Role.County)
        {
            // A county may only read itself; naming another county is denied whether or not it exists.
            if (!string.IsNullOrEmpty(request.County) && request.County != caller.County)
            {
                throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, "无权查看该县（区）。"));
            }

            county = caller.County!;
        }
        else
        {
            RequestChecks.Require(RequestChecks.County(request.County));

            county = request.County;
        }

        var round = cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, request.Year));
        var info = await round.GetInfo() ?? throw new PreconditionException("ROUND_NOT_OPEN", $"{request.Year} 年度考核尚未开启。");
        var countyInfo = Array.Find(info.Counties, c => c.Id == county) ?? throw new NotFoundException($"{request.Year} 年度考核名单中没有该县（区）。");
        var score = await round.GetCountyScore(county);
        var aggregate = await cluster.GetGrain<ICountyGrain>(GrainKeys.County(caller.Tenant, county, request.Year)).GetAggregate();

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
        var info = await Round(caller, request.Year).GetInfo() ?? throw new PreconditionException("ROUND_NOT_OPEN", $"{request.Year} 年度考核尚未开启。");
        return ToProto(info);
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
        return ToProto(await Round(caller, request.Year).RepinScheme(request.SchemeYaml, request.Reason, Actor(caller)));
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
        return ToProto(await Round(caller, request.Year).Publish(Actor(caller)));
    }

    private IRoundGrain Round(Caller caller, int year) => cluster.GetGrain<IRoundGrain>(GrainKeys.Round(caller.Tenant, year));

    private static string Actor(Caller caller) => $"{caller.Name}（{caller.Role}）";

    private static void RequireScheme(string yaml)
    {
        if (string.IsNullOrWhiteSpace(yaml) || yaml.Length > 256 * 1024)
        {
            throw new ValidationFailedException([new FieldError("scheme_yaml", "须为评分细则文件内容（YAML，不超过 256 KiB）")]);
        }
    }

    private static RoundSummary ToProto(RoundInfo info)
    {
        var summary = new RoundSummary
        {
            Year = info.Year,
            Scheme = info.SchemeId,
            SchemeName = info.SchemeName,
            Published = info.Published,
            OpenedAt = Timestamp.FromDateTimeOffset(info.OpenedAt),
            Counties = info.Counties.Length,
        };
        summary.Audit.AddRange((info.Audit ?? []).Select(a => new AuditEntry
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

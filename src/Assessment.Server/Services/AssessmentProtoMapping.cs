using Assessment.Contracts.V1;
using Assessment.Domain.Scoring;
using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Server.Services;

/// <summary>Protobuf messages of the assessment service from the grains' records; what a caller may do, narrowed by role.</summary>
internal static class AssessmentProtoMapping
{
    private static string Lower<T>(T value) where T : struct, System.Enum => value.ToString().ToLowerInvariant();

    public static Contracts.V1.County ToProto(CountyDetail detail)
    {
        var catalog = detail.Catalog;
        var (score, aggregate) = (detail.Score, detail.Aggregate);
        var response = new Contracts.V1.County
        {
            Id = detail.County.Id,
            Name = detail.County.Name,
            Year = detail.Round.Year,
            Total = score.Card.Total,
            Grade = score.Grade,
            Rank = score.Rank,
            Vetoed = score.Card.Vetoed,
            VetoReason = score.Card.VetoReason ?? "",
            Bonus = score.Card.Bonus,
            Deductions = score.Card.Deductions,
            Scheme = score.SchemeId,
            Adjusted = score.Card.Adjusted,
            Workflow = ToProto(detail.Workflow, detail.May, detail.County),
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
        response.Warnings.AddRange(detail.Warnings.Select(w => new DataWarning { Code = w.Code, Message = w.Message }));
        return response;
    }

    public static Contracts.V1.CountyWorkflow ToProto(CountyWorkflowView view, Caller caller, CountyInfo county) => caller.Role == Role.Member
        // A 考核组 member reads no more of a county than the 考核组评分表 shows: its status and version, not its 退回
        // reason, adjustments or units.
        ? new Contracts.V1.CountyWorkflow
        {
            County = view.County,
            Status = Lower(view.Status),
            Phase = Lower(view.Phase),
            Version = view.Version,
            MayEnterAssessorValues = CountyDesk.For(caller, view.May).MayEnterAssessorValues,
        }
        : ToProto(view, CountyDesk.For(caller, view.May), county);

    private static Contracts.V1.CountyWorkflow ToProto(CountyWorkflowView view, CountyPermissions may, CountyInfo county)
    {
        var names = county.Units.ToDictionary(u => u.Id, u => u.Name, StringComparer.Ordinal);
        var proto = new Contracts.V1.CountyWorkflow
        {
            County = view.County,
            Status = Lower(view.Status),
            Phase = Lower(view.Phase),
            Version = view.Version,
            ReturnReason = view.ReturnReason ?? "",
            AuditHead = new Contracts.V1.AuditHead { Count = view.AuditHead.Count, Hash = view.AuditHead.Hash },
            MaySubmit = may.MaySubmit,
            MaySubmitForReview = may.MaySubmitForReview,
            MayReturn = may.MayReturn,
            MayApprove = may.MayApprove,
            MayAdjust = may.MayAdjust,
            MayExtend = may.MayExtend,
            MayEnterAssessorValues = may.MayEnterAssessorValues,
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


    public static RoundSummary ToProto(RoundInfo info, RoundProgress progress, Caller caller)
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
            CatalogVersion = info.CatalogVersion,
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

    public static Ranking ToProto(RankingResult ranking)
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

    public static Contracts.V1.ScoreLine ToProto(Domain.Scoring.ScoreLine line)
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
            Standard = line.Standard ?? "",
            Method = line.Method ?? "",
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

using System.Diagnostics.Metrics;

namespace Assessment.Grains;

/// <summary>The platform's own metrics (meter <c>Assessment</c>), beside the ones Orleans, ASP.NET Core and gRPC emit.</summary>
public static class PlatformMeter
{
    public const string Name = "Assessment";

    private static readonly Meter Meter = new(Name);

    /// <summary>Submissions by outcome (accepted, replayed, dry_run, rejected) and, for rejections, reason.</summary>
    public static readonly Counter<long> Submissions = Meter.CreateCounter<long>("assessment.submissions", description: "Indicator submissions by outcome");

    /// <summary>Units whose latest version the county has not applied yet (it is re-applied until it has).</summary>
    public static readonly UpDownCounter<long> PendingPushes = Meter.CreateUpDownCounter<long>("assessment.pending_pushes", description: "Unit changes waiting for their county");

    public static readonly Histogram<double> RankingDuration = Meter.CreateHistogram<double>("assessment.ranking.duration", "ms", "Time to answer a ranking request");

    /// <summary>Failed authentication attempts (gRPC keys and web sign-ins), counted instead of logged one by one.</summary>
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("assessment.auth.failures", description: "Failed authentication attempts");

    /// <summary>Credential lookups that reached the cluster (the rest were answered from the unknown-key cache or refused).</summary>
    public static readonly Counter<long> AuthLookups = Meter.CreateCounter<long>("assessment.auth.lookups", description: "Credential lookups that reached the cluster");

    public static readonly Histogram<double> BulletinRenderDuration = Meter.CreateHistogram<double>("assessment.bulletin.render.duration", "ms", "Time to render a bulletin");
}

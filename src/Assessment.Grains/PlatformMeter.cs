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

    /// <summary>Calls that ended with a status other than OK, by method and gRPC status.</summary>
    public static readonly Counter<long> RpcRefusals = Meter.CreateCounter<long>("assessment.rpc.refusals", description: "gRPC calls answered with a status other than OK");

    private static long _pdfWaiting, _notificationsDelivered, _notificationsFailed, _eventsPending, _mailPending;

    /// <summary>Event deliveries and mail not sent yet (retries included), as the dispatchers last counted them.</summary>
    public static readonly ObservableGauge<long> OutboxPending = Meter.CreateObservableGauge("assessment.outbox.pending", () => new[]
    {
        new Measurement<long>(Volatile.Read(ref _eventsPending), new KeyValuePair<string, object?>("kind", "event")),
        new Measurement<long>(Volatile.Read(ref _mailPending), new KeyValuePair<string, object?>("kind", "mail")),
    }, description: "Event deliveries and mail waiting to be sent");

    public static void EventsPending(long count) => Volatile.Write(ref _eventsPending, count);

    public static void MailPending(long count) => Volatile.Write(ref _mailPending, count);

    /// <summary>Prints waiting for a page of the shared browser (the PDF queue).</summary>
    public static readonly ObservableGauge<long> PdfWaiting = Meter.CreateObservableGauge("assessment.pdf.waiting", () => Volatile.Read(ref _pdfWaiting), description: "PDF prints waiting for a page");

    /// <summary>Webhook notifications delivered and attempts that failed (retried on the next tick): the delivery backlog.</summary>
    public static readonly ObservableCounter<long> NotificationsDelivered = Meter.CreateObservableCounter("assessment.notifications.delivered", () => Volatile.Read(ref _notificationsDelivered), description: "Notifications delivered");

    public static readonly ObservableCounter<long> NotificationsFailed = Meter.CreateObservableCounter("assessment.notifications.failed", () => Volatile.Read(ref _notificationsFailed), description: "Notification deliveries that failed and will be retried");

    public static void PdfWaitStarted() => Interlocked.Increment(ref _pdfWaiting);

    public static void PdfWaitEnded() => Interlocked.Decrement(ref _pdfWaiting);

    public static void NotificationDelivered() => Interlocked.Increment(ref _notificationsDelivered);

    public static void NotificationFailed() => Interlocked.Increment(ref _notificationsFailed);
}

namespace Assessment.Grains;

/// <summary>Deadline reminders of a round (configuration section <c>Rounds</c>).</summary>
public sealed class RoundOptions
{
    /// <summary>How often an open round's reminder checks whether a reminder point has passed.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Points relative to the submission deadline at which the round records the units that have not submitted
    /// (negative: before the deadline, a "due soon" notice; zero or positive: "overdue").
    /// </summary>
    public TimeSpan[] ReminderOffsets { get; set; } = [TimeSpan.FromDays(-3), TimeSpan.FromDays(-1), TimeSpan.FromDays(1), TimeSpan.FromDays(3)];

    /// <summary>Units named in one notification; the count is always complete.</summary>
    public int MaxUnitsPerNotification { get; set; } = 1000;

    /// <summary>Whether webhooks may post over plain http to loopback (development and tests only).</summary>
    public bool AllowLoopbackWebhooks { get; set; }

    /// <summary>
    /// Internal networks (CIDR, e.g. <c>10.20.0.0/16</c>) webhooks may reach: a government intranet endpoint. Empty by
    /// default: private, shared and unique-local ranges are refused like the platform's own.
    /// </summary>
    public string[] WebhookInternalNetworks { get; set; } = [];

    /// <summary>The webhook rules these options make.</summary>
    public Domain.Keys.WebhookRules WebhookRules => Domain.Keys.WebhookRules.From(AllowLoopbackWebhooks, WebhookInternalNetworks);
}

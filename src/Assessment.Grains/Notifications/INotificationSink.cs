using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Notifications;

/// <summary>Delivers a round's reminder notification outside the platform (e.g. the tenant's webhook).</summary>
public interface INotificationSink
{
    /// <summary>True when delivered, or when the tenant has nowhere to deliver to; false to try again on the next tick.</summary>
    Task<bool> DeliverAsync(string tenant, int year, RoundNotification notification, CancellationToken ct);

    /// <summary>Posts any JSON body to the tenant's webhook.</summary>
    Task<WebhookPost> PostAsync(string tenant, object body, CancellationToken ct);
}

/// <summary>How a webhook post ended.</summary>
public enum WebhookPost
{
    /// <summary>The tenant has no (acceptable) webhook: nothing to post to.</summary>
    NoWebhook,
    Posted,
    Failed,
}

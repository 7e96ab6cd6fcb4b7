using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Notifications;

/// <summary>
/// Posts a round's undelivered notifications without holding the round's turn: a slow or unreachable webhook (10 s
/// time-out) never delays the round's other calls. Each post runs once at a time; one that succeeds is reported back
/// to the round (<see cref="IRoundGrain.MarkDelivered"/>), one that fails is tried again on the round's next tick.
/// </summary>
public sealed class NotificationDelivery(INotificationSink sink, ILogger logger)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _inFlight = new();

    /// <summary>Starts a post for each notification not delivered and not already being posted; returns at once.</summary>
    public void Start(string tenant, int year, IEnumerable<RoundNotification> notifications, IRoundGrain round)
    {
        foreach (var notification in notifications.Where(n => !n.Delivered && _inFlight.TryAdd(n.Sequence, true)))
        {
            _ = Task.Run(async () =>
            {
                // Off the grain's turn its calls go out through the silo's client: they act for the round's own tenant.
                using var actingFor = TenantGuard.ActFor(tenant);
                try
                {
                    if (await sink.DeliverAsync(tenant, year, notification, CancellationToken.None))
                    {
                        PlatformMeter.NotificationDelivered();
                        await round.MarkDelivered(notification.Sequence);
                    }
                    else
                    {
                        PlatformMeter.NotificationFailed();
                    }
                }
                catch (Exception ex)
                {
                    PlatformMeter.NotificationFailed();
                    logger.LogWarning(ex, "Round {Round}: notification {Sequence} not delivered yet", tenant + "/" + year, notification.Sequence);
                }
                finally
                {
                    _inFlight.TryRemove(notification.Sequence, out _);
                }
            });
        }
    }
}

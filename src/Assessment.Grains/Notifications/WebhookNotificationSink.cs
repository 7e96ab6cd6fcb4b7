using System.Net.Http.Json;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Notifications;

/// <summary>Posts a notification as JSON to the tenant's webhook URL, when the tenant has one.</summary>
public sealed class WebhookNotificationSink(IGrainFactory grains, ILogger<WebhookNotificationSink> logger) : INotificationSink, IDisposable
{
    // One client for the process; pooled connections are renewed so that DNS changes are picked up.
    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public void Dispose() => http.Dispose();

    public async Task<bool> DeliverAsync(string tenant, int year, RoundNotification notification, CancellationToken ct)
    {
        var url = (await grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile())?.WebhookUrl;
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        try
        {
            using var response = await http.PostAsJsonAsync(url, new
            {
                tenant,
                year,
                sequence = notification.Sequence,
                kind = notification.Kind,
                at = notification.At,
                offset_hours = notification.Offset.TotalHours,
                overdue_count = notification.OverdueCount,
                overdue = notification.Overdue,
            }, ct);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            logger.LogWarning("Webhook of tenant {Tenant} answered {Status}; will retry", tenant, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Webhook of tenant {Tenant} unreachable ({Error}); will retry", tenant, ex.GetType().Name);
        }

        return false;
    }
}

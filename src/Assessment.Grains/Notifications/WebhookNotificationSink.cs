using System.Net.Http.Json;
using Assessment.Domain.Keys;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Notifications;

/// <summary>
/// Posts a notification as JSON to the tenant's webhook URL, when the tenant has one. The address is checked again
/// here (<see cref="WebhookAddress"/>), every address a name resolves to is checked as the connection is made (no
/// rebinding to an internal address), and redirects are not followed.
/// </summary>
public sealed class WebhookNotificationSink : INotificationSink, IDisposable
{
    private readonly IGrainFactory grains;
    private readonly ILogger<WebhookNotificationSink> logger;
    private readonly WebhookRules rules;
    private readonly HttpClient http;

    public WebhookNotificationSink(IGrainFactory grains, Microsoft.Extensions.Options.IOptions<RoundOptions> options, ILogger<WebhookNotificationSink> logger)
    {
        this.grains = grains;
        this.logger = logger;
        rules = options.Value.WebhookRules;
        http = WebhookHttp.Create(rules);
    }

    public void Dispose() => http.Dispose();

    public async Task<bool> DeliverAsync(string tenant, int year, RoundNotification notification, CancellationToken ct) =>
        await PostAsync(tenant, new
        {
            tenant,
            year,
            sequence = notification.Sequence,
            kind = notification.Kind,
            at = notification.At,
            offset_hours = notification.Offset.TotalHours,
            overdue_count = notification.OverdueCount,
            overdue = notification.Overdue,
        }, ct) != WebhookPost.Failed;

    public async Task<WebhookPost> PostAsync(string tenant, object body, CancellationToken ct)
    {
        var url = (await grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile())?.WebhookUrl;
        if (string.IsNullOrEmpty(url))
        {
            return WebhookPost.NoWebhook;
        }

        if (WebhookAddress.Problem(url, rules) is { } problem)
        {
            // Nothing to retry: the address itself is refused (set before these rules, or the rules changed).
            logger.LogWarning("Webhook of tenant {Tenant} refused: {Problem}", tenant, problem);
            return WebhookPost.NoWebhook;
        }

        try
        {
            using var response = await http.PostAsJsonAsync(url, body, ct);
            if (response.IsSuccessStatusCode)
            {
                return WebhookPost.Posted;
            }

            logger.LogWarning("Webhook of tenant {Tenant} answered {Status}", tenant, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Webhook of tenant {Tenant} unreachable ({Error})", tenant, ex.GetType().Name);
        }

        return WebhookPost.Failed;
    }
}

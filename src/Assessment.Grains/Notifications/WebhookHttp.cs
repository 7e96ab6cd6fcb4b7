using Assessment.Domain.Keys;

namespace Assessment.Grains.Notifications;

/// <summary>
/// The one HTTP client shape for posting to addresses a tenant chose (reminder webhooks, event subscriptions): every
/// address a name resolves to is checked as the connection is made (no DNS rebinding to an internal address), redirects
/// are not followed, a post gives up after ten seconds, and pooled connections are renewed so DNS changes are seen.
/// </summary>
public static class WebhookHttp
{
    public static HttpClient Create(WebhookRules rules) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        // A proxy would be checked instead of the target: every address is the one connected to, no proxy in between.
        UseProxy = false,
        ConnectCallback = (context, ct) => ConnectAsync(context, rules, ct),
    })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, WebhookRules rules, CancellationToken ct)
    {
        var addresses = await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        var allowed = addresses.Where(a => !WebhookAddress.IsForbidden(a, rules)).ToArray();
        if (allowed.Length == 0 || allowed.Length != addresses.Length)
        {
            throw new HttpRequestException($"webhook host {context.DnsEndPoint.Host} resolves to a forbidden address");
        }

        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

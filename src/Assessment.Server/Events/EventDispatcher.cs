using System.Text;
using Assessment.Domain.Keys;
using Assessment.Grains.Notifications;
using Npgsql;

namespace Assessment.Server.Events;

/// <summary>
/// Sends due event deliveries, on every replica: each claims a batch with one statement (<c>FOR UPDATE SKIP LOCKED</c>,
/// then a lease of five minutes on the rows it took, longer than a batch of 20 posts of at most 10 s each), so two replicas never send the same attempt, and a replica that dies
/// mid-batch leaves its rows to be taken again when the lease ends. A delivery is POSTed with the Standard Webhooks
/// headers; a 2xx answer ends it; anything else is tried again after 10 s, 1, 5, 30 minutes, 2 and 6 hours, then
/// left as failed in the log (a replay starts over). Receivers see the same <c>webhook-id</c> on every attempt.
/// </summary>
public sealed class EventDispatcher(NpgsqlDataSource dataSource, EventSubscriptions subscriptions,
    Microsoft.Extensions.Options.IOptions<Grains.RoundOptions> rounds, TimeProvider clock, ILogger<EventDispatcher> logger) : BackgroundService
{
    public const int MaxAttempts = 7;
    private const int Batch = 20;

    private static readonly TimeSpan[] Backoff =
        [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6)];

    private readonly HttpClient _http = WebhookHttp.Create(rounds.Value.WebhookRules);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var counted = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await SendDueAsync(stoppingToken);
                if (clock.GetUtcNow() - counted > TimeSpan.FromSeconds(15))
                {
                    counted = clock.GetUtcNow();
                    // The log keeps 30 days; then the rows go (a replay is for recent deliveries).
                    await using var count = dataSource.CreateCommand(
                        $"DELETE FROM event_deliveries WHERE created_at < now() - interval '30 days' AND (delivered_at IS NOT NULL OR attempts >= {MaxAttempts}); "
                        + $"SELECT count(*) FROM event_deliveries WHERE delivered_at IS NULL AND attempts < {MaxAttempts}");
                    Grains.PlatformMeter.EventsPending((long)(await count.ExecuteScalarAsync(stoppingToken))!);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Nothing may end this loop (an exception here would stop the host): log, wait, go on.
                logger.LogWarning(ex, "Event deliveries could not be sent ({Error}); trying again shortly", ex.GetType().Name);
            }

            // A full batch: more may be due at once. Otherwise look again in a second.
            await Task.Delay(sent == Batch ? TimeSpan.Zero : TimeSpan.FromSeconds(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<int> SendDueAsync(CancellationToken ct)
    {
        var due = new List<(long Id, string EventId, string Payload, string Url, string Secret)>();
        await using (var claim = dataSource.CreateCommand($"""
            WITH due AS (
                SELECT d.id FROM event_deliveries d
                 WHERE d.delivered_at IS NULL AND d.attempts < {MaxAttempts} AND d.next_attempt_at <= now()
                 ORDER BY d.next_attempt_at LIMIT {Batch} FOR UPDATE SKIP LOCKED)
            UPDATE event_deliveries d SET next_attempt_at = now() + interval '5 minutes'
              FROM due, event_subscriptions s
             WHERE d.id = due.id AND s.tenant = d.tenant AND s.id = d.subscription
            RETURNING d.id, d.event_id, d.payload, s.url, s.secret
            """))
        {
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            }
        }

        foreach (var delivery in due)
        {
            var (status, error) = subscriptions.TryUnprotect(delivery.Secret) is { } secret
                ? await PostAsync(delivery.Url, delivery.EventId, secret, delivery.Payload, ct)
                : (null, "签名密钥无法解密（密钥环已更换），请重新订阅");
            await using var record = dataSource.CreateCommand("""
                UPDATE event_deliveries SET attempts = attempts + 1, last_status = @status, last_error = @error,
                       delivered_at = CASE WHEN @ok THEN now() END,
                       next_attempt_at = now() + make_interval(secs => @wait)
                 WHERE id = @id
                """);
            record.Parameters.AddWithValue("id", delivery.Id);
            record.Parameters.Add(new NpgsqlParameter<int?>("status", status) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            record.Parameters.Add(new NpgsqlParameter<string?>("error", error) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            record.Parameters.AddWithValue("ok", status is >= 200 and < 300);
            record.Parameters.AddWithValue("wait", (await AttemptsAsync(delivery.Id, ct)) is var n && n < Backoff.Length ? Backoff[n].TotalSeconds : Backoff[^1].TotalSeconds);
            await record.ExecuteNonQueryAsync(ct);
        }

        return due.Count;
    }

    private async Task<int> AttemptsAsync(long id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT attempts FROM event_deliveries WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) is int attempts ? attempts : 0;
    }

    private async Task<(int? Status, string? Error)> PostAsync(string url, string id, string secret, string body, CancellationToken ct)
    {
        if (WebhookAddress.Problem(url, rounds.Value.WebhookRules) is { } problem)
        {
            return (null, problem);
        }

        var now = clock.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, id, now, body));
        try
        {
            // Only the status matters: the body a receiver sends back is never read.
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return ((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (null, ex is TaskCanceledException ? "10 秒内无应答" : "无法连接");
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

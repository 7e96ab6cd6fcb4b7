using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assessment.Grains.Abstractions;
using Assessment.Grains.Notifications;
using Npgsql;

namespace Assessment.Server.Events;

/// <summary>
/// The deadline reminders of a round (RoundGrain's 截止提醒: before the deadline, and after it while units are missing)
/// as events (<c>deadline.approaching</c>, <c>deadline.passed</c>) for the tenant's subscriptions and as mail to the
/// accounts of the units still missing and of their counties. Enqueued when the round delivers the reminder, with an id
/// derived from the round and the reminder's sequence, so a delivery tried again enqueues nothing twice.
/// </summary>
public static class ReminderDeliveries
{
    public static async Task EnqueueAsync(NpgsqlDataSource dataSource, string tenant, int year, RoundNotification notification, CancellationToken ct)
    {
        var kind = notification.Kind == "overdue" ? "deadline.passed" : "deadline.approaching";
        var id = "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}/{year}/reminder/{notification.Sequence}")))[..32];
        var data = new Dictionary<string, object?>
        {
            ["tenant"] = tenant,
            ["year"] = year,
            ["at"] = notification.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["offset_hours"] = notification.Offset.TotalHours,
            ["missing_units"] = notification.OverdueCount,
            ["missing"] = notification.Overdue,
        };
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = kind, ["timestamp"] = data["at"], ["data"] = data });
        var counties = notification.Overdue.Select(o => o.Split('/')[0]).Distinct(StringComparer.Ordinal).ToArray();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO event_deliveries (tenant, subscription, event_id, kind, payload)
            SELECT s.tenant, s.id, @id, @kind, @payload FROM event_subscriptions s
             WHERE s.tenant = @tenant AND (cardinality(s.kinds) = 0 OR @kind = ANY (s.kinds))
            ON CONFLICT DO NOTHING;
            INSERT INTO mail_deliveries (tenant, event_id, kind, to_address, to_name, data)
            SELECT a.tenant, @id, @kind, a.email, a.name, @data FROM accounts a
             WHERE a.tenant = @tenant AND NOT a.disabled AND a.email IS NOT NULL
               AND ((a.role = 'unit' AND a.county || '/' || a.unit = ANY (@missing)) OR (a.role = 'county' AND a.county = ANY (@counties)))
            ON CONFLICT DO NOTHING;
            """);
        command.Parameters.AddWithValue("tenant", tenant);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("payload", payload);
        // The mail needs no list of every missing unit (up to a thousand per recipient row): the count says enough.
        command.Parameters.AddWithValue("data", JsonSerializer.Serialize(data.Where(kv => kv.Key != "missing").ToDictionary()));
        command.Parameters.AddWithValue("missing", notification.Overdue);
        command.Parameters.AddWithValue("counties", counties);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// The grains' notification sink as the server runs it: a round's reminder is enqueued as events and mail, then posted
/// to the tenant's webhook as before. A reminder is delivered again until it succeeds; the enqueueing is idempotent.
/// </summary>
public sealed class DeliveringNotificationSink(WebhookNotificationSink webhook, NpgsqlDataSource dataSource) : INotificationSink
{
    public async Task<bool> DeliverAsync(string tenant, int year, RoundNotification notification, CancellationToken ct)
    {
        await ReminderDeliveries.EnqueueAsync(dataSource, tenant, year, notification, ct);
        return await webhook.DeliverAsync(tenant, year, notification, ct);
    }

    public Task<WebhookPost> PostAsync(string tenant, object body, CancellationToken ct) => webhook.PostAsync(tenant, body, ct);
}

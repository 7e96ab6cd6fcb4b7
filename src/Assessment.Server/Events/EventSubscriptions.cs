using Assessment.Domain.Keys;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Services;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Assessment.Server.Events;

public sealed record EventSubscription(Guid Id, string Url, string[] Kinds, DateTimeOffset CreatedAt);

public sealed record EventDelivery(long Id, Guid Subscription, string EventId, string Kind, string Payload, DateTimeOffset CreatedAt,
    int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset NextAttemptAt, int? LastStatus, string? LastError)
{
    /// <summary>pending | delivered | failed (retries used up; a replay starts over).</summary>
    public string State => DeliveredAt is not null ? "delivered" : Attempts >= EventDispatcher.MaxAttempts ? "failed" : "pending";
}

/// <summary>
/// A tenant's event subscriptions and their delivery log: the tenant admin subscribes an https address (the rules of
/// the tenant's webhook: no loopback, internal or metadata address) to some or all event types and receives the
/// signing secret once; the log shows every delivery with its attempts, and a delivery is replayed on request.
/// </summary>
public sealed class EventSubscriptions(NpgsqlDataSource dataSource, IDataProtectionProvider protection,
    Microsoft.Extensions.Options.IOptions<Grains.RoundOptions> rounds, TimeProvider clock)
{
    public const int MaxPerTenant = 10;

    /// <summary>Every event type, as the payload's <c>type</c> names it.</summary>
    public static readonly string[] Kinds =
        ["round.opened", "round.closed", "deadline.approaching", "deadline.passed", "county.submitted", "county.returned", "county.approved", "results.published",
            "bulletin.issued", "bulletin.corrected"];

    private readonly IDataProtector _secrets = protection.CreateProtector("assessment.events.secret");

    /// <summary>The plain secret; null when another key ring protected it (the deployment's keys were replaced).</summary>
    public string? TryUnprotect(string stored)
    {
        try
        {
            return _secrets.Unprotect(stored);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public async Task<(EventSubscription Subscription, string Secret)> CreateAsync(Caller caller, string? tenant, string? url, IReadOnlyCollection<string> kinds, CancellationToken ct)
    {
        var target = TenantDesk.Target(caller, tenant);
        url = (url ?? "").Trim();
        var unknown = kinds.Where(k => Array.IndexOf(Kinds, k) < 0).ToArray();
        RequestChecks.Require(
            url.Length > 2048 ? new FieldError("url", "不超过 2048 个字符") : await WebhookTargets.ProblemAsync(url, rounds.Value.WebhookRules, ct) is { } problem ? new FieldError("url", problem) : null,
            unknown.Length > 0 ? new FieldError("kinds", $"未知的事件类型：{string.Join("、", unknown.Take(5))}；可用：{string.Join("、", Kinds)}") : null);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var count = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('events:' || @tenant, 0)); SELECT count(*) FROM event_subscriptions WHERE tenant = @tenant", connection, tx))
        {
            count.Parameters.AddWithValue("tenant", target);
            await using var reader = await count.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt64(0) >= MaxPerTenant)
            {
                throw new ResourceExhaustedException($"每个租户最多 {MaxPerTenant} 个事件订阅。");
            }
        }

        var subscription = new EventSubscription(Guid.NewGuid(), url, [.. kinds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], clock.GetUtcNow());
        var secret = WebhookSignature.NewSecret();
        await using (var insert = new NpgsqlCommand("INSERT INTO event_subscriptions (tenant, id, url, secret, kinds, created_at) VALUES (@tenant, @id, @url, @secret, @kinds, @at)", connection, tx))
        {
            insert.Parameters.AddWithValue("tenant", target);
            insert.Parameters.AddWithValue("id", subscription.Id);
            insert.Parameters.AddWithValue("url", subscription.Url);
            insert.Parameters.AddWithValue("secret", _secrets.Protect(secret));
            insert.Parameters.AddWithValue("kinds", subscription.Kinds);
            insert.Parameters.AddWithValue("at", subscription.CreatedAt);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (subscription, secret);
    }

    public async Task<IReadOnlyList<EventSubscription>> ListAsync(Caller caller, string? tenant)
    {
        await using var command = dataSource.CreateCommand("SELECT id, url, kinds, created_at FROM event_subscriptions WHERE tenant = @tenant ORDER BY created_at");
        command.Parameters.AddWithValue("tenant", TenantDesk.Target(caller, tenant));
        var list = new List<EventSubscription>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new EventSubscription(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return list;
    }

    /// <summary>Removes a subscription and its delivery log; NOT_FOUND when the tenant has no such subscription.</summary>
    public async Task RemoveAsync(Caller caller, string? tenant, string? id)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM event_subscriptions WHERE tenant = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", TenantDesk.Target(caller, tenant));
        command.Parameters.AddWithValue("id", ParseId(id));
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            throw new NotFoundException("没有这个事件订阅。");
        }
    }

    /// <summary>The newest deliveries of the tenant (of one subscription when named), newest first.</summary>
    public async Task<IReadOnlyList<EventDelivery>> DeliveriesAsync(Caller caller, string? tenant, string? subscription, int limit, long? only = null)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, subscription, event_id, kind, payload, created_at, attempts, delivered_at, next_attempt_at, last_status, last_error
              FROM event_deliveries WHERE tenant = @tenant AND (@subscription IS NULL OR subscription = @subscription) AND (@only IS NULL OR id = @only)
             ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", TenantDesk.Target(caller, tenant));
        command.Parameters.Add(new NpgsqlParameter<Guid?>("subscription", string.IsNullOrEmpty(subscription) ? null : ParseId(subscription)) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 500));
        command.Parameters.Add(new NpgsqlParameter<long?>("only", only) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        var list = new List<EventDelivery>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new EventDelivery(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return list;
    }

    /// <summary>Sends a delivery again from the start (same event id, a fresh round of attempts).</summary>
    public async Task<EventDelivery> ReplayAsync(Caller caller, string? tenant, long delivery)
    {
        var target = TenantDesk.Target(caller, tenant);
        await using var command = dataSource.CreateCommand("""
            UPDATE event_deliveries SET attempts = 0, delivered_at = NULL, next_attempt_at = now(), last_error = NULL
             WHERE tenant = @tenant AND id = @id
            """);
        command.Parameters.AddWithValue("tenant", target);
        command.Parameters.AddWithValue("id", delivery);
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            throw new NotFoundException("没有这条投递记录。");
        }

        return (await DeliveriesAsync(caller, target, null, 1, delivery)).Single();
    }

    private static Guid ParseId(string? id) =>
        Guid.TryParse(id, out var parsed) ? parsed : throw new ValidationFailedException([new FieldError("id", "须为订阅编号（UUID）")]);
}

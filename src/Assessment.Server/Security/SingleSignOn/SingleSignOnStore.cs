using System.Text.Json;
using Assessment.Domain.Accounts;
using Npgsql;

namespace Assessment.Server.Security.SingleSignOn;

/// <summary>A tenant's OpenID provider as stored: the client secret still protected by the cluster's key ring.</summary>
public sealed record ProviderSettings(string Tenant, string Issuer, string ClientId, string? ProtectedSecret, ClaimMapping Mapping, DateTimeOffset UpdatedAt);

/// <summary>Tenants' OpenID providers (migration 0021) and the states of sign-ins that came back, each answered once.</summary>
public sealed class SingleSignOnStore(NpgsqlDataSource dataSource)
{
    private sealed record StoredMapping(string RoleClaim, RoleMapping[] Roles, string CountyClaim, string UnitClaim, string NameClaim, string EmailClaim,
        string? TenantClaim = null, string[]? TenantValues = null, bool TrustProviderSecondFactor = false);

    public async Task<ProviderSettings?> FindAsync(string tenant)
    {
        await using var command = dataSource.CreateCommand("SELECT issuer, client_id, client_secret, mapping::text, updated_at FROM tenant_sso WHERE tenant = @tenant");
        command.Parameters.AddWithValue("tenant", tenant);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new ProviderSettings(tenant, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), MappingOf(reader.GetString(3)),
            reader.GetFieldValue<DateTimeOffset>(4));
    }

    /// <summary>The claim mappings of the other tenants that use the same issuer.</summary>
    public async Task<IReadOnlyList<ClaimMapping>> OthersAsync(string issuer, string tenant)
    {
        await using var command = dataSource.CreateCommand("SELECT mapping::text FROM tenant_sso WHERE issuer = @issuer AND tenant <> @tenant LIMIT 1000");
        command.Parameters.AddWithValue("issuer", issuer);
        command.Parameters.AddWithValue("tenant", tenant);
        var list = new List<ClaimMapping>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(MappingOf(reader.GetString(0)));
        }

        return list;
    }

    private static ClaimMapping MappingOf(string json)
    {
        var stored = JsonSerializer.Deserialize<StoredMapping>(json)!;
        return new ClaimMapping(stored.RoleClaim, stored.Roles, stored.CountyClaim, stored.UnitClaim, stored.NameClaim, stored.EmailClaim,
            stored.TenantClaim, stored.TenantValues, stored.TrustProviderSecondFactor);
    }

    public async Task SaveAsync(ProviderSettings settings)
    {
        var m = settings.Mapping;
        var mapping = JsonSerializer.Serialize(new StoredMapping(m.RoleClaim, [.. m.Roles], m.CountyClaim, m.UnitClaim, m.NameClaim, m.EmailClaim,
            m.TenantClaim, m.TenantValues?.ToArray(), m.TrustProviderSecondFactor));
        await using var command = dataSource.CreateCommand("""
            INSERT INTO tenant_sso (tenant, issuer, client_id, client_secret, mapping, updated_at) VALUES (@tenant, @issuer, @client, @secret, @mapping::jsonb, @at)
            ON CONFLICT (tenant) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, client_secret = excluded.client_secret,
                   mapping = excluded.mapping, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue("tenant", settings.Tenant);
        command.Parameters.AddWithValue("issuer", settings.Issuer);
        command.Parameters.AddWithValue("client", settings.ClientId);
        command.Parameters.Add(new NpgsqlParameter<string?>("secret", settings.ProtectedSecret) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue("mapping", mapping);
        command.Parameters.AddWithValue("at", settings.UpdatedAt);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<bool> RemoveAsync(string tenant)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM tenant_sso WHERE tenant = @tenant");
        command.Parameters.AddWithValue("tenant", tenant);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// Marks a sign-in's state as answered; false when it was answered before (a replayed callback). Expired states are
    /// cleared on the way, so the table holds at most the sign-ins of the last few minutes.
    /// </summary>
    public async Task<bool> UseStateAsync(string stateHash, DateTimeOffset expires, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            WITH purge AS (DELETE FROM sso_used_states WHERE expires_at < @now)
            INSERT INTO sso_used_states (state_hash, expires_at) VALUES (@hash, @expires) ON CONFLICT DO NOTHING RETURNING 1
            """);
        command.Parameters.AddWithValue("hash", stateHash);
        command.Parameters.AddWithValue("expires", expires);
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteScalarAsync() is not null;
    }
}

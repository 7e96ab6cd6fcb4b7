using Assessment.Grains.Abstractions;
using Npgsql;

namespace Assessment.Server.Security;

/// <summary>
/// The one way credentials are issued, listed, rotated and revoked (admin RPCs, the seeder, the bootstrap operator
/// key). A key is shown once, to the caller of <see cref="IssueAsync"/>; the grain keeps its SHA-256 and what it may
/// do, and the directory table lists it by id (the first 16 hex digits of the hash) without any secret.
/// </summary>
public sealed class CredentialService(IClusterClient cluster, NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The tenant of operator credentials: not a slug, so it can never name a real tenant's grains.</summary>
    public const string PlatformTenant = "_platform";

    public Task<(string Key, CredentialSummary Summary)> IssueAsync(Credential credential) => RegisterAsync(ApiKeys.NewKey(), credential);

    /// <summary>Registers a key made elsewhere (the operator's first key, from a Secret): only its hash is kept.</summary>
    public async Task<(string Key, CredentialSummary Summary)> RegisterAsync(string key, Credential credential)
    {
        if (!ApiKeys.LooksValid(key))
        {
            throw new ArgumentException("not an API key (ak_ followed by up to 61 characters a–z, 2–7)", nameof(key));
        }

        var hash = ApiKeys.Hash(key);
        credential = credential with { CreatedAt = credential.CreatedAt ?? clock.GetUtcNow() };
        await cluster.GetGrain<ICredentialGrain>(hash).Issue(credential);
        await UpsertAsync(hash, credential);
        return (key, new CredentialSummary(hash[..16], credential));
    }

    /// <summary>Credentials of a tenant (all tenants' for null), by id.</summary>
    public async Task<IReadOnlyList<CredentialSummary>> ListAsync(string? tenant, int offset, int limit)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, tenant, role, county, unit, name, created_at, expires_at, revoked FROM credential_directory
             WHERE (@tenant IS NULL OR tenant = @tenant) ORDER BY tenant, id OFFSET @offset LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter<string?>("tenant", tenant) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<int>("offset", offset));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var list = new List<CredentialSummary>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(Summary(reader));
        }

        return list;
    }

    /// <summary>The credential with this id in this tenant, or null.</summary>
    public async Task<CredentialSummary?> FindAsync(string tenant, string id)
    {
        if (id.Length != 16 || !id.All(Uri.IsHexDigit))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT id, tenant, role, county, unit, name, created_at, expires_at, revoked FROM credential_directory WHERE id = @id AND tenant = @tenant");
        command.Parameters.Add(new NpgsqlParameter<string>("id", id.ToLowerInvariant()));
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Summary(reader) : null;
    }

    private static CredentialSummary Summary(NpgsqlDataReader reader) =>
        new(reader.GetString(0), new Credential(
            Enum.Parse<Role>(reader.GetString(2)), reader.GetString(1), reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetBoolean(8),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(6)));

    /// <summary>Revokes the credential with this id in this tenant (any tenant for null); null when there is none.</summary>
    public async Task<CredentialSummary?> RevokeAsync(string? tenant, string id)
    {
        if (await FindHashAsync(tenant, id) is not { } hash || await cluster.GetGrain<ICredentialGrain>(hash).Revoke() is not { } revoked)
        {
            return null;
        }

        await UpsertAsync(hash, revoked);
        return new CredentialSummary(id, revoked);
    }

    /// <summary>Issues a new key with the same role, scope, name and expiry, then revokes the old one.</summary>
    public async Task<(string Key, CredentialSummary Summary)?> RotateAsync(string? tenant, string id)
    {
        if (await FindHashAsync(tenant, id) is not { } hash || await cluster.GetGrain<ICredentialGrain>(hash).Get() is not { Revoked: false } old)
        {
            return null;
        }

        var issued = await IssueAsync(old with { CreatedAt = null });
        await RevokeAsync(tenant, id);
        return issued;
    }

    /// <summary>True when an operator credential that is still usable exists.</summary>
    public async Task<bool> HasActiveOperatorAsync()
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM credential_directory WHERE role = 'Operator' AND NOT revoked AND (expires_at IS NULL OR expires_at > now()))");
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string?> FindHashAsync(string? tenant, string id)
    {
        if (id.Length != 16 || !id.All(Uri.IsHexDigit))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand("SELECT key_hash FROM credential_directory WHERE id = @id AND (@tenant IS NULL OR tenant = @tenant)");
        command.Parameters.Add(new NpgsqlParameter<string>("id", id.ToLowerInvariant()));
        command.Parameters.Add(new NpgsqlParameter<string?>("tenant", tenant) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        return await command.ExecuteScalarAsync() as string;
    }

    private async Task UpsertAsync(string hash, Credential c)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO credential_directory (key_hash, id, tenant, role, county, unit, name, created_at, expires_at, revoked)
            VALUES (@hash, @id, @tenant, @role, @county, @unit, @name, @created, @expires, @revoked)
            ON CONFLICT (key_hash) DO UPDATE SET revoked = EXCLUDED.revoked, expires_at = EXCLUDED.expires_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("hash", hash));
        command.Parameters.Add(new NpgsqlParameter<string>("id", hash[..16]));
        command.Parameters.Add(new NpgsqlParameter<string>("tenant", c.Tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("role", c.Role.ToString()));
        command.Parameters.Add(new NpgsqlParameter<string?>("county", c.County) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<string?>("unit", c.Unit) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter<string>("name", c.Name));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("created", c.CreatedAt ?? clock.GetUtcNow()));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("expires", c.ExpiresAt) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<bool>("revoked", c.Revoked));
        await command.ExecuteNonQueryAsync();
    }
}

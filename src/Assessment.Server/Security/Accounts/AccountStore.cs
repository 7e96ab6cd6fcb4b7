using System.Data.Common;
using Assessment.Domain.Accounts;
using Assessment.Domain.Workflow;
using Npgsql;

namespace Assessment.Server.Security.Accounts;

/// <summary>A personal account as stored (migration 0019). <see cref="Role"/> is the wire name: unit, county, assessor, member, leader, tenant_admin.</summary>
public sealed record Account(
    string Tenant, string Login, string Id, string Name, string Role, string? County, string? Unit, string? Email,
    string? PasswordHash, string? TotpSecret, bool TotpConfirmed, long TotpLastStep, int Failures, DateTimeOffset? LockedUntil,
    bool Disabled, DateTimeOffset CreatedAt, string? SsoSubject = null)
{
    /// <summary>Whether the person signs in through the tenant's OpenID provider (no password here).</summary>
    public bool IsSingleSignOn => SsoSubject is not null;

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;

    /// <summary>disabled, pending (no password yet), locked or active; an account of single sign-on has no password here and is active.</summary>
    public string StateAt(DateTimeOffset now) =>
        Disabled ? "disabled" : PasswordHash is null && !IsSingleSignOn ? "pending" : IsLocked(now) ? "locked" : "active";
}

/// <summary>A web session of an account, as its owner sees it listed.</summary>
public sealed record AccountSession(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeen, string? Peer, string? Agent, DateTimeOffset? RevokedAt);

/// <summary>
/// Accounts, their sessions and their audit in PostgreSQL. Every change that races (a failure counted, a code step
/// accepted, a one-time link used) is one conditional statement, so two replicas answering the same person at once
/// cannot both win. Account events are appended to the tenant's chain <c>&lt;tenant&gt;/accounts</c> of the audit log
/// under a transaction-scoped advisory lock on the chain.
/// </summary>
public sealed class AccountStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "tenant, login, id, name, role, county, unit, email, password_hash, totp_secret, totp_confirmed, totp_last_step, failures, locked_until, disabled, created_at, sso_subject";

    public static string AuditChainOf(string tenant) => $"{tenant}/accounts";

    public async Task<bool> InsertAsync(Account a)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO accounts ({Columns}) VALUES (@tenant, @login, @id, @name, @role, @county, @unit, @email, @password, NULL, false, 0, 0, NULL, false, @at, NULL)
            ON CONFLICT DO NOTHING
            """);
        Add(command, ("tenant", a.Tenant), ("login", a.Login), ("id", a.Id), ("name", a.Name), ("role", a.Role), ("county", a.County), ("unit", a.Unit), ("email", a.Email),
            ("password", a.PasswordHash));
        command.Parameters.AddWithValue("at", a.CreatedAt);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<Account?> FindAsync(string tenant, string login)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM accounts WHERE tenant = @tenant AND login = @login");
        Add(command, ("tenant", tenant), ("login", login));
        return await ReadOneAsync(command);
    }

    public async Task<IReadOnlyList<Account>> ListAsync(string tenant, int limit)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM accounts WHERE tenant = @tenant ORDER BY login LIMIT @limit");
        Add(command, ("tenant", tenant));
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<Account>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>
    /// Starts over: a new one-time link, no password, no second factor, no lock, and every session ended (a stolen
    /// password or phone is the usual reason: whoever used it is signed out too).
    /// </summary>
    public async Task<bool> ResetAsync(string tenant, string login, string setupHash, DateTimeOffset expires, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            WITH reset AS (
                UPDATE accounts SET setup_hash = @hash, setup_expires = @expires, password_hash = NULL, totp_secret = NULL, totp_confirmed = false,
                       failures = 0, locked_until = NULL
                 WHERE tenant = @tenant AND login = @login AND NOT disabled AND sso_subject IS NULL RETURNING tenant, login),
            ended AS (
                UPDATE account_sessions s SET revoked_at = @now FROM reset r WHERE s.tenant = r.tenant AND s.login = r.login AND s.revoked_at IS NULL RETURNING 1)
            SELECT count(*) FROM reset
            """);
        Add(command, ("tenant", tenant), ("login", login), ("hash", setupHash));
        command.Parameters.AddWithValue("expires", expires);
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteScalarAsync() is long count && count == 1;
    }

    /// <summary>Sets the password through a one-time link, which is used up (and ends any session); null when the link is unknown, used or expired.</summary>
    public async Task<Account?> SetPasswordAsync(string setupHash, string passwordHash, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH changed AS (
                UPDATE accounts SET password_hash = @password, setup_hash = NULL, setup_expires = NULL, failures = 0, locked_until = NULL
                 WHERE setup_hash = @hash AND setup_expires > @now AND NOT disabled
                RETURNING {Columns}),
            ended AS (
                UPDATE account_sessions s SET revoked_at = @now FROM changed c WHERE s.tenant = c.tenant AND s.login = c.login AND s.revoked_at IS NULL RETURNING 1)
            SELECT {Columns} FROM changed
            """);
        Add(command, ("hash", setupHash), ("password", passwordHash));
        command.Parameters.AddWithValue("now", now);
        return await ReadOneAsync(command);
    }

    /// <summary>
    /// The account of a person signing in through the tenant's provider: made on the first sign-in, its name, role,
    /// county, unit and address brought up to date on every later one (the provider is where they change). A disabled
    /// account stays disabled. Null when the login is taken by an account of another subject (never by chance: 48 bits).
    /// </summary>
    public async Task<(Account Account, Account? Before)?> UpsertSingleSignOnAsync(Account a)
    {
        await using var command = dataSource.CreateCommand($$"""
            WITH before AS (SELECT {{Columns}} FROM accounts WHERE tenant = @tenant AND login = @login),
            written AS (
                INSERT INTO accounts ({{Columns}}) VALUES (@tenant, @login, @id, @name, @role, @county, @unit, @email, NULL, NULL, false, 0, 0, NULL, false, @at, @subject)
                ON CONFLICT (tenant, login) DO UPDATE SET name = excluded.name, role = excluded.role, county = excluded.county, unit = excluded.unit, email = excluded.email
                 WHERE accounts.sso_subject = excluded.sso_subject
                RETURNING {{Columns}})
            SELECT {{Columns}}, 0 FROM written UNION ALL SELECT {{Columns}}, 1 FROM before
            """);
        Add(command, ("tenant", a.Tenant), ("login", a.Login), ("id", a.Id), ("name", a.Name), ("role", a.Role), ("county", a.County), ("unit", a.Unit), ("email", a.Email),
            ("subject", a.SsoSubject));
        command.Parameters.AddWithValue("at", a.CreatedAt);
        Account? written = null, before = null;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (reader.GetInt32(17) == 0)
            {
                written = Read(reader);
            }
            else
            {
                before = Read(reader);
            }
        }

        return written is null ? null : (written, before);
    }

    /// <summary>The account a one-time link belongs to while it works.</summary>
    public async Task<Account?> FindBySetupAsync(string setupHash, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM accounts WHERE setup_hash = @hash AND setup_expires > @now AND NOT disabled");
        Add(command, ("hash", setupHash));
        command.Parameters.AddWithValue("now", now);
        return await ReadOneAsync(command);
    }

    /// <summary>
    /// Counts an attempt before it is checked (so a burst of parallel guesses is counted, every one): null when the
    /// account is locked (or disabled, or gone) and nothing may be tried; else the count with this attempt, and the lock
    /// it set when it was the <see cref="AccountRules.FailuresBeforeLock"/>-th. A right answer then clears both.
    /// </summary>
    public async Task<(int Failures, DateTimeOffset? LockedUntil)?> BeginAttemptAsync(string tenant, string login, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE accounts SET failures = failures + 1,
                   locked_until = CASE WHEN (failures + 1) % @every = 0 THEN @until END
             WHERE tenant = @tenant AND login = @login AND NOT disabled AND (locked_until IS NULL OR locked_until <= @now)
            RETURNING failures, locked_until
            """);
        Add(command, ("tenant", tenant), ("login", login));
        command.Parameters.AddWithValue("every", AccountRules.FailuresBeforeLock);
        command.Parameters.AddWithValue("until", now + AccountRules.LockFor);
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    /// <summary>A right password: the attempt counted for it, and any lock it set, are undone.</summary>
    public async Task SucceededAsync(string tenant, string login)
    {
        await using var command = dataSource.CreateCommand("UPDATE accounts SET failures = 0, locked_until = NULL WHERE tenant = @tenant AND login = @login");
        Add(command, ("tenant", tenant), ("login", login));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stores a new (protected) secret for an account whose second factor is not confirmed yet.</summary>
    public async Task<bool> SetTotpSecretAsync(string tenant, string login, string protectedSecret)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE accounts SET totp_secret = @secret, totp_last_step = 0 WHERE tenant = @tenant AND login = @login AND NOT totp_confirmed
            """);
        Add(command, ("tenant", tenant), ("login", login), ("secret", protectedSecret));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Accepts a code's step once (and confirms the second factor); false when that step or a later one was accepted already.</summary>
    public async Task<bool> AcceptStepAsync(string tenant, string login, long step)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE accounts SET totp_last_step = @step, totp_confirmed = true, failures = 0, locked_until = NULL
             WHERE tenant = @tenant AND login = @login AND totp_last_step < @step AND totp_secret IS NOT NULL AND password_hash IS NOT NULL AND NOT disabled
            """);
        Add(command, ("tenant", tenant), ("login", login));
        command.Parameters.AddWithValue("step", step);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Disables the account and ends its sessions.</summary>
    public async Task<bool> DisableAsync(string tenant, string login, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            WITH disabled AS (UPDATE accounts SET disabled = true, setup_hash = NULL WHERE tenant = @tenant AND login = @login AND NOT disabled RETURNING tenant, login)
            UPDATE account_sessions s SET revoked_at = @now FROM disabled d WHERE s.tenant = d.tenant AND s.login = d.login AND s.revoked_at IS NULL
            """);
        Add(command, ("tenant", tenant), ("login", login));
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync();
        return (await FindAsync(tenant, login))?.Disabled == true;
    }

    /// <summary>A new session; the oldest beyond <see cref="AccountRules.MaxSessions"/> are ended.</summary>
    public async Task<Guid> StartSessionAsync(string tenant, string login, string? peer, string? agent, DateTimeOffset now)
    {
        var id = Guid.NewGuid();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO account_sessions (id, tenant, login, created_at, last_seen, peer, agent) VALUES (@id, @tenant, @login, @now, @now, @peer, @agent);
            UPDATE account_sessions SET revoked_at = @now
             WHERE id IN (SELECT id FROM account_sessions WHERE tenant = @tenant AND login = @login AND revoked_at IS NULL
                          ORDER BY created_at DESC OFFSET @keep);
            """);
        command.Parameters.AddWithValue("id", id);
        Add(command, ("tenant", tenant), ("login", login), ("peer", peer), ("agent", agent is { Length: > 200 } ? agent[..200] : agent));
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("keep", AccountRules.MaxSessions);
        await command.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>The account of a live session (not revoked, account not disabled), noting when it was last seen (at most once a minute).</summary>
    public async Task<Account?> SessionAccountAsync(Guid session, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH live AS (
                UPDATE account_sessions SET last_seen = CASE WHEN last_seen < @now - interval '1 minute' THEN @now ELSE last_seen END
                 WHERE id = @id AND revoked_at IS NULL RETURNING tenant, login)
            SELECT {string.Join(", ", Columns.Split(", ").Select(c => "a." + c))} FROM accounts a JOIN live l ON a.tenant = l.tenant AND a.login = l.login WHERE NOT a.disabled
            """);
        command.Parameters.AddWithValue("id", session);
        command.Parameters.AddWithValue("now", now);
        return await ReadOneAsync(command);
    }

    public async Task<IReadOnlyList<AccountSession>> SessionsAsync(string tenant, string login)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, created_at, last_seen, peer, agent, revoked_at FROM account_sessions
             WHERE tenant = @tenant AND login = @login ORDER BY created_at DESC LIMIT 50
            """);
        Add(command, ("tenant", tenant), ("login", login));
        var list = new List<AccountSession>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add(new AccountSession(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return list;
    }

    /// <summary>
    /// Ends every live session of an account (<paramref name="login"/>), or of every single sign-on account of the tenant
    /// (null): what a session acts as has changed, or the provider is gone.
    /// </summary>
    public async Task<int> EndSessionsAsync(string tenant, string? login, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE account_sessions s SET revoked_at = @now FROM accounts a
             WHERE s.tenant = @tenant AND s.revoked_at IS NULL AND a.tenant = s.tenant AND a.login = s.login
               AND (CASE WHEN @login IS NULL THEN a.sso_subject IS NOT NULL ELSE a.login = @login END)
            """);
        Add(command, ("tenant", tenant), ("login", login));
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Ends one of the account's own sessions; false when it is not theirs or already ended.</summary>
    public async Task<bool> RevokeSessionAsync(string tenant, string login, Guid session, DateTimeOffset now)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE account_sessions SET revoked_at = @now WHERE id = @id AND tenant = @tenant AND login = @login AND revoked_at IS NULL
            """);
        command.Parameters.AddWithValue("id", session);
        command.Parameters.AddWithValue("now", now);
        Add(command, ("tenant", tenant), ("login", login));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Appends an event to the tenant's account chain.</summary>
    public async Task AuditAsync(string tenant, AuditEvent e)
    {
        var chain = AuditChainOf(tenant);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockChain = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended(@chain, 33))", connection, tx))
        {
            lockChain.Parameters.AddWithValue("chain", chain);
            await lockChain.ExecuteNonQueryAsync();
        }

        var head = AuditHead.Empty;
        await using (var read = new NpgsqlCommand("SELECT idx, hash FROM audit_entries WHERE chain = @chain ORDER BY idx DESC LIMIT 1", connection, tx))
        {
            read.Parameters.AddWithValue("chain", chain);
            await using var reader = await read.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                head = new AuditHead(reader.GetInt32(0) + 1, reader.GetString(1));
            }
        }

        var record = AuditChain.Next(head, e);
        await using (var insert = new NpgsqlCommand("INSERT INTO audit_entries (chain, idx, prev_hash, body, hash) VALUES (@chain, @idx, @prev, @body, @hash)", connection, tx))
        {
            insert.Parameters.AddWithValue("chain", chain);
            insert.Parameters.AddWithValue("idx", record.Index);
            insert.Parameters.AddWithValue("prev", record.PrevHash);
            insert.Parameters.AddWithValue("body", record.Body);
            insert.Parameters.AddWithValue("hash", record.Hash);
            await insert.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }

    private static void Add(NpgsqlCommand command, params (string Name, string? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            command.Parameters.Add(new NpgsqlParameter<string?>(name, value) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }
    }

    private static async Task<Account?> ReadOneAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    private static Account Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9), r.GetBoolean(10), r.GetInt64(11), r.GetInt32(12),
        r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13), r.GetBoolean(14), r.GetFieldValue<DateTimeOffset>(15), r.IsDBNull(16) ? null : r.GetString(16));
}

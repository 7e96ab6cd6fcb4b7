using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Assessment.Domain.Keys;
using Assessment.Domain.Workflow;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// One tenant's whole data as one archive (docs/operations.md, "Moving and deleting a tenant"): a ZIP with one CSV file
/// per table (PostgreSQL's own COPY format, so it streams both ways and reads back on any later version) and a
/// <c>manifest.json</c> naming each file's columns, row count and SHA-256. Export reads one snapshot; import and deletion
/// are one transaction each, refused whole when anything does not fit, and both enter the platform's own audit chain.
/// </summary>
public static partial class TenantArchive
{
    public const int Format = 1;

    /// <summary>The platform's own chain of operator acts (never a tenant's: a slug cannot start with '_').</summary>
    public const string PlatformChain = "_platform/operations";

    public const string ManifestName = "manifest.json";
    private const int MaxManifestBytes = 1 << 20;
    private const int MaxEntries = 64;
    private const long MaxExpansion = 200;

    /// <summary>
    /// A table of tenant data: which columns travel, which rows are the tenant's (an SQL condition, given the tenant id),
    /// their order, and which of the tenant's rows an archive may never bring in (an SQL condition; null: none).
    /// </summary>
    private sealed record Table(string Name, string[] Columns, Func<string, string> Rows, string Order, string? Refused = null);

    /// <summary>The roles a tenant's credentials have (an archive never brings in an operator's).</summary>
    private static readonly Grains.Abstractions.Role[] TenantRoleValues =
        [.. Enum.GetValues<Grains.Abstractions.Role>().Where(r => r != Grains.Abstractions.Role.Operator)];

    private static readonly string TenantRoles = string.Join(", ", TenantRoleValues.Select(r => $"'{r}'"));

    /// <summary>
    /// Every table that holds a tenant's rows, parents first (import order; deletion runs backwards). Grain keys all start
    /// with the tenant (GrainKeys), except credentials, which are keyed by the key's hash and found through the directory.
    /// Left out on purpose: the request ledger (hashed keys of in-doubt writes, expiring), uploads of 佐证材料 still in
    /// progress (the client starts them again), event subscriptions and their deliveries (the receiving systems belong to
    /// the deployment, and an import must not replay a tenant's history to them), and the web key ring and cluster
    /// membership, which belong to the deployment.
    /// </summary>
    private static readonly Table[] Tables =
    [
        new("credential_directory", ["key_hash", "id", "tenant", "role", "county", "unit", "name", "created_at", "expires_at", "revoked"],
            t => $"tenant = {Literal(t)}", "key_hash", Refused: $"role NOT IN ({TenantRoles})"),
        new("orleansstorage", ["grainidhash", "grainidn0", "grainidn1", "graintypehash", "graintypestring", "grainidextensionstring", "serviceid", "payloadbinary", "modifiedon", "version"],
            t => $"((graintypestring <> 'credential' AND split_part(grainidextensionstring, '/', 1) = {Literal(t)}){NumberKeyed(t)} OR " +
                 $"({CredentialTenant} = {Literal(t)}))",
            "graintypestring, grainidextensionstring, grainidn0, grainidn1",
            Refused: $"{CredentialRole} NOT IN ({string.Join(", ", TenantRoleValues.Select(r => $"'{(int)r}'"))})"),
        new("orleansreminderstable", ["serviceid", "grainid", "remindername", "starttime", "period", "grainhash", "version"],
            t => $"split_part(grainid, '/', 2) = {Literal(t)}", "grainid, remindername"),
        new("county_states", ["tenant", "year", "county", "etag", "state", "facts", "board", "updated_at"], t => $"tenant = {Literal(t)}", "year, county"),
        new("unit_states", ["tenant", "year", "county", "unit", "etag", "state", "updated_at"], t => $"tenant = {Literal(t)}", "year, county, unit"),
        new("unit_receipts", ["tenant", "year", "county", "unit", "submission_id", "payload_hash", "version", "accepted", "updated", "unchanged", "cleared", "stored_at"],
            t => $"tenant = {Literal(t)}", "year, county, unit, version, submission_id"),
        // 佐证材料: the blobs, their chunks and the rows attaching them (evidence_files follows audit_entries by a trigger
        // that only fills what is empty, so either may come first).
        new("evidence_blobs", ["tenant", "sha256", "size", "kind", "created_at"], t => $"tenant = {Literal(t)}", "sha256"),
        new("evidence_chunks", ["tenant", "blob", "at_byte", "data"], t => $"tenant = {Literal(t)} AND blob NOT LIKE 'upload:%'", "blob, at_byte"),
        new("evidence_files", ["tenant", "file_id", "year", "county", "unit", "indicator", "file_name", "sha256", "size", "kind", "added_by", "created_at",
            "attached_at", "removed_at", "removed_by", "removal_reason"], t => $"tenant = {Literal(t)}", "year, county, file_id"),
        // Personal accounts (their audit is the chain <tenant>/accounts below); sessions belong to the deployment's key ring.
        new("accounts", ["tenant", "login", "id", "name", "role", "county", "unit", "email", "password_hash", "totp_secret", "totp_confirmed", "totp_last_step",
            "failures", "locked_until", "disabled", "setup_hash", "setup_expires", "created_at", "sso_subject"], t => $"tenant = {Literal(t)}", "login",
            Refused: $"role NOT IN ({string.Join(", ", Domain.Accounts.AccountRules.RoleNames.Select(r => $"'{r}'"))})"),
        // Its single sign-on provider (the client secret, like the TOTP secrets, readable only with the key ring it was protected by).
        new("tenant_sso", ["tenant", "issuer", "client_id", "client_secret", "mapping", "updated_at"], t => $"tenant = {Literal(t)}", "tenant"),
        new("audit_entries", ["chain", "idx", "prev_hash", "body", "hash"], t => $"split_part(chain, '/', 1) = {Literal(t)}", "chain, idx"),
        new("bulletin_documents", ["round", "edition", "format", "sha256", "content", "stored_at"], t => $"split_part(round, '/', 1) = {Literal(t)}", "round, edition, format",
            Refused: "sha256 <> encode(sha256(content), 'hex')"),
        new("bulletin_receipts", ["round", "edition", "recipient", "kind", "sha256", "actor", "at"], t => $"split_part(round, '/', 1) = {Literal(t)}", "id"),
    ];

    /// <summary>
    /// The tenant and role a credential grain's stored state (plain JSON in the default storage) names; NULL for other
    /// grains (CASE: the payload of another grain is never parsed).
    /// </summary>
    private const string CredentialTenant = "CASE WHEN graintypestring = 'credential' THEN convert_from(payloadbinary, 'UTF8')::jsonb #>> '{Credential,Tenant}' END";

    private const string CredentialRole = "CASE WHEN graintypestring = 'credential' THEN convert_from(payloadbinary, 'UTF8')::jsonb #>> '{Credential,Role}' END";

    /// <summary>
    /// The grains keyed by the bare tenant id (tenant, catalog, 细则 drafts) of a tenant whose id Orleans reads as a
    /// number: stored by that number, without the key string (<see cref="StorageKey"/>; new tenants cannot have such ids).
    /// </summary>
    private static string NumberKeyed(string tenant) => StorageKey(tenant) is var (n0, n1)
        ? string.Create(CultureInfo.InvariantCulture, $" OR (grainidextensionstring IS NULL AND graintypestring IN ('tenant', 'catalog', 'scheme-drafts') AND grainidn0 = {n0} AND grainidn1 = {n1})")
        : "";

    /// <summary>
    /// How Orleans' ADO.NET storage keys a grain whose whole key is <paramref name="key"/>: 32 hexadecimal digits as a
    /// GUID, up to 16 as an integer (both without the key string), anything else by the string alone (null here).
    /// </summary>
    public static (long N0, long N1)? StorageKey(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        if (bytes.Length == 32 && System.Buffers.Text.Utf8Parser.TryParse(bytes, out Guid guid, out var read, 'N') && read == 32)
        {
            var raw = guid.ToByteArray();
            return (BitConverter.ToInt64(raw, 0), BitConverter.ToInt64(raw, 8));
        }

        return System.Buffers.Text.Utf8Parser.TryParse(bytes, out long number, out var length, 'X') && length == bytes.Length ? (0, number) : null;
    }

    public sealed record TableEntry(string Name, string File, string[] Columns, long Rows, string Sha256);

    public sealed record Manifest(int Format, string Tenant, int Schema, DateTimeOffset ExportedAt, string ExportedBy, IReadOnlyList<TableEntry> Tables);

    /// <summary>What an export or import did: the manifest and the SHA-256 of its bytes (the archive's identity).</summary>
    public sealed record Summary(Manifest Manifest, string ManifestSha256)
    {
        public long Rows => Manifest.Tables.Sum(t => t.Rows);
    }

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
    [JsonSerializable(typeof(Manifest))]
    private sealed partial class ManifestJson : JsonSerializerContext;

    /// <summary>Writes the tenant's archive to <paramref name="output"/> from one snapshot (the platform may keep running).</summary>
    public static async Task<Summary> ExportAsync(NpgsqlDataSource database, string tenant, Stream output, string actor, CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await ExecuteAsync(connection, tx, "SET TRANSACTION READ ONLY; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'", ct);
        var schema = await SchemaAsync(connection, tx, ct);
        if (await CountAsync(connection, tx, "orleansstorage", $"graintypestring = 'tenant' AND {Tables.Single(t => t.Name == "orleansstorage").Rows(tenant)}", ct) == 0)
        {
            throw new InvalidOperationException($"this deployment has no tenant '{tenant}'.");
        }

        var entries = new List<TableEntry>();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var table in Tables)
            {
                var rows = await CountAsync(connection, tx, table.Name, table.Rows(tenant), ct);
                var file = $"tables/{table.Name}.csv";
                string hash;
                await using (var entry = zip.CreateEntry(file, CompressionLevel.Optimal).Open())
                using (var hashing = new HashingStream(entry))
                {
                    await using (var writer = new StreamWriter(hashing, new UTF8Encoding(false), 1 << 16, leaveOpen: true))
                    using (var reader = await connection.BeginTextExportAsync(
                        $"COPY (SELECT {string.Join(", ", table.Columns)} FROM {table.Name} WHERE {table.Rows(tenant)} ORDER BY {table.Order}) TO STDOUT (FORMAT csv, HEADER)", ct))
                    {
                        var buffer = new char[1 << 15];
                        int read;
                        while ((read = await reader.ReadAsync(buffer, ct)) > 0)
                        {
                            await writer.WriteAsync(buffer.AsMemory(0, read), ct);
                        }
                    }

                    hash = hashing.Finish();
                }

                entries.Add(new TableEntry(table.Name, file, table.Columns, rows, hash));
            }

            var manifest = new Manifest(Format, tenant, schema, DateTimeOffset.UtcNow, actor, entries);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson.Default.Manifest);
            await using (var entry = zip.CreateEntry(ManifestName, CompressionLevel.Optimal).Open())
            {
                await entry.WriteAsync(bytes, ct);
            }

            await tx.CommitAsync(ct);
            var summary = new Summary(manifest, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            await RecordAsync(database, new AuditEvent(DateTimeOffset.UtcNow, actor, "tenant_export", tenant, null, Describe(summary), null), ct);
            return summary;
        }
    }

    /// <summary>An archive whose manifest was read and whose every file matched it, not yet loaded anywhere.</summary>
    public sealed class Verified(ZipArchive zip, Manifest manifest, string sha256) : IDisposable
    {
        internal ZipArchive Zip { get; } = zip;

        public Manifest Manifest { get; } = manifest;

        public string ManifestSha256 { get; } = sha256;

        public void Dispose() => Zip.Dispose();
    }

    /// <summary>
    /// Reads an archive's manifest and checks every file against it (hash, and no more bytes than the ZIP declares),
    /// before any database is touched, so a damaged archive says so rather than what PostgreSQL makes of the damage.
    /// </summary>
    public static async Task<Verified> VerifyAsync(Stream archive, CancellationToken ct = default)
    {
        var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        try
        {
            if (zip.Entries.Count > MaxEntries)
            {
                throw new InvalidOperationException($"the archive holds {zip.Entries.Count} files; a tenant archive has at most {MaxEntries}.");
            }

            var (manifest, manifestHash) = await ReadManifestAsync(zip, ct);
            foreach (var entry in manifest.Tables)
            {
                await using var source = OpenEntry(zip, entry.File);
                using var hashing = new HashingStream(source);
                await hashing.CopyToAsync(Stream.Null, ct);
                if (!string.Equals(hashing.Finish(), entry.Sha256, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{entry.File} does not have the SHA-256 its manifest gives: the archive was changed or damaged.");
                }
            }

            return new Verified(zip, manifest, manifestHash);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a verified archive into this deployment's database in one transaction. Refused whole when the tenant
    /// already has rows here, when the database is on another schema version than the exporting one, when a file's row
    /// count differs from the manifest, or when a file holds a row that is not the tenant's or that no archive may bring
    /// in (an operator's credential, a document whose hash is not its content's).
    /// </summary>
    public static async Task<Summary> ImportAsync(NpgsqlDataSource database, Verified archive, string actor, CancellationToken ct = default)
    {
        var (manifest, tenant) = (archive.Manifest, archive.Manifest.Tenant);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'", ct);
        var schema = await SchemaAsync(connection, tx, ct);
        if (manifest.Schema != schema)
        {
            throw new InvalidOperationException($"the archive was exported from schema version {manifest.Schema}; this database is on {schema}: export and import between deployments of the same release.");
        }

        foreach (var table in Tables)
        {
            if (await CountAsync(connection, tx, table.Name, table.Rows(tenant), ct) > 0)
            {
                throw new InvalidOperationException($"tenant '{tenant}' already has data here ({table.Name}): delete it first or import into another deployment.");
            }
        }

        foreach (var table in Tables)
        {
            var entry = manifest.Tables.Single(e => e.Name == table.Name);
            var stage = "tenant_import_" + table.Name;
            var columns = string.Join(", ", table.Columns);
            await ExecuteAsync(connection, tx,
                $"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table.Name} WITH NO DATA; ALTER TABLE {stage} ADD COLUMN import_order bigserial", ct);
            string hash;
            await using (var source = OpenEntry(archive.Zip, entry.File))
            using (var hashing = new HashingStream(source))
            {
                using (var reader = new StreamReader(hashing, new UTF8Encoding(false, throwOnInvalidBytes: true), false, 1 << 16, leaveOpen: true))
                await using (var writer = await connection.BeginTextImportAsync($"COPY {stage} ({columns}) FROM STDIN (FORMAT csv, HEADER MATCH)", ct))
                {
                    var buffer = new char[1 << 15];
                    int read;
                    while ((read = await reader.ReadAsync(buffer, ct)) > 0)
                    {
                        await writer.WriteAsync(buffer.AsMemory(0, read), ct);
                    }
                }

                hash = hashing.Finish();
            }

            // Read again for the load: it must still be the file that was verified.
            if (!string.Equals(hash, entry.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{entry.File} changed while it was read.");
            }

            var staged = await CountAsync(connection, tx, stage, "true", ct);
            var foreign = await CountAsync(connection, tx, stage, $"NOT coalesce({table.Rows(tenant)}, false)", ct);
            var refused = table.Refused is null ? 0 : await CountAsync(connection, tx, stage, $"coalesce({table.Refused}, false)", ct);
            if (foreign > 0)
            {
                throw new InvalidOperationException($"{entry.File} holds {foreign} rows that are not tenant '{tenant}''s.");
            }

            if (refused > 0)
            {
                throw new InvalidOperationException($"{entry.File} holds {refused} rows no tenant archive may bring in (an operator's credential, or a document whose SHA-256 is not its content's).");
            }

            if (staged != entry.Rows)
            {
                throw new InvalidOperationException($"{entry.File} holds {staged} rows; its manifest says {entry.Rows}.");
            }

            await ExecuteAsync(connection, tx, $"INSERT INTO {table.Name} ({columns}) SELECT {columns} FROM {stage} ORDER BY import_order", ct);
        }

        var summary = new Summary(manifest, archive.ManifestSha256);
        await AppendAsync(connection, tx, new AuditEvent(DateTimeOffset.UtcNow, actor, "tenant_import", tenant, null, Describe(summary), null), ct);
        await tx.CommitAsync(ct);
        return summary;
    }

    /// <summary>
    /// A file of the archive, read no further than the size its ZIP entry declares, and only if that size is a plausible
    /// expansion of its compressed bytes (CSV of rows compresses well, but not a thousandfold).
    /// </summary>
    private static Stream OpenEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidOperationException($"the archive lacks {name}, which its manifest names.");
        if (entry.Length > MaxExpansion * entry.CompressedLength + (1 << 20))
        {
            throw new InvalidOperationException($"{name} expands {entry.Length:N0} bytes from {entry.CompressedLength:N0}: not a table file.");
        }

        return new LimitedStream(entry.Open(), entry.Length, name);
    }

    private static async Task<int> SchemaAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM assessment_schema_migrations", connection, tx);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>Removes every row of the tenant in one transaction, recorded in the platform chain; returns rows per table.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> DeleteAsync(NpgsqlDataSource database, string tenant, string actor, string reason, CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var name = new NpgsqlCommand("SELECT set_config('assessment.deleting_tenant', @tenant, true)", connection, tx))
        {
            name.Parameters.AddWithValue("tenant", tenant);
            await name.ExecuteNonQueryAsync(ct);
        }

        var removed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables.Reverse())
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {table.Name} WHERE {table.Rows(tenant)}", connection, tx);
            removed[table.Name] = await delete.ExecuteNonQueryAsync(ct);
        }

        // What no archive carries but the tenant still owns: 佐证材料 uploads in progress and their chunks.
        // Event subscriptions and their deliveries stay with the deployment (an import would otherwise replay a tenant's history).
        foreach (var transient in new[] { "evidence_uploads", "evidence_chunks", "event_deliveries", "event_subscriptions", "mail_deliveries" })
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {transient} WHERE tenant = {Literal(tenant)}", connection, tx);
            await delete.ExecuteNonQueryAsync(ct);
        }

        if (removed["orleansstorage"] == 0)
        {
            throw new InvalidOperationException($"this deployment has no tenant '{tenant}'.");
        }

        var counts = string.Join(" ", Tables.Select(t => $"{t.Name}={removed[t.Name].ToString(CultureInfo.InvariantCulture)}"));
        await AppendAsync(connection, tx, new AuditEvent(DateTimeOffset.UtcNow, actor, "tenant_delete", tenant, counts, null, reason), ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>The platform chain's entries, in order (for <c>tenant-log</c> and the tests).</summary>
    public static async Task<IReadOnlyList<AuditRecord>> PlatformLogAsync(NpgsqlDataSource database, CancellationToken ct = default)
    {
        await using var command = database.CreateCommand("SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = @chain ORDER BY idx");
        command.Parameters.AddWithValue("chain", PlatformChain);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(ct))
        {
            records.Add(new AuditRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return records;
    }

    private static async Task<(Manifest Manifest, string Sha256)> ReadManifestAsync(ZipArchive zip, CancellationToken ct)
    {
        var entry = zip.GetEntry(ManifestName) ?? throw new InvalidOperationException($"not a tenant archive: it has no {ManifestName}.");
        if (entry.Length > MaxManifestBytes)
        {
            throw new InvalidOperationException($"{ManifestName} is larger than {MaxManifestBytes:N0} bytes.");
        }

        using var bytes = new MemoryStream();
        await using (var source = entry.Open())
        {
            var buffer = new byte[1 << 14];
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                bytes.Write(buffer, 0, read);
                if (bytes.Length > MaxManifestBytes)
                {
                    throw new InvalidOperationException($"{ManifestName} is larger than {MaxManifestBytes:N0} bytes.");
                }
            }
        }

        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes.ToArray(), ManifestJson.Default.Manifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{ManifestName} is not readable: {ex.Message}");
        }

        if (manifest is null || manifest.Format != Format)
        {
            throw new InvalidOperationException($"{ManifestName} is not a tenant archive of format {Format}.");
        }

        if (!Slug.IsValid(manifest.Tenant))
        {
            throw new InvalidOperationException($"{ManifestName} names no valid tenant.");
        }

        foreach (var table in Tables)
        {
            var listed = manifest.Tables?.Where(t => t?.Name == table.Name).ToList() ?? [];
            if (listed is not [{ } one] || one.File != $"tables/{table.Name}.csv" || one.Columns is not { } columns || !columns.SequenceEqual(table.Columns) || one.Rows < 0 || one.Sha256 is null)
            {
                throw new InvalidOperationException($"{ManifestName} does not list {table.Name} once with its columns.");
            }
        }

        if (manifest.Tables!.Count != Tables.Length)
        {
            throw new InvalidOperationException($"{ManifestName} lists tables this release does not know.");
        }

        return (manifest, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
    }

    private static string Describe(Summary summary) =>
        string.Create(CultureInfo.InvariantCulture, $"rows={summary.Rows} manifest_sha256={summary.ManifestSha256}");

    /// <summary>A tenant id as an SQL literal: only a slug ([a-z0-9-]) ever gets here, so quoting cannot be escaped.</summary>
    private static string Literal(string tenant) => $"'{Slug.Require(tenant, nameof(tenant))}'";

    private static async Task RecordAsync(NpgsqlDataSource database, AuditEvent e, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await AppendAsync(connection, tx, e, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Appends to the platform chain; the chain is locked for the transaction, so two operators queue.</summary>
    internal static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AuditEvent e, CancellationToken ct)
    {
        await using (var lockChain = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@chain))", connection, tx))
        {
            lockChain.Parameters.AddWithValue("chain", PlatformChain);
            await lockChain.ExecuteNonQueryAsync(ct);
        }

        var head = AuditHead.Empty;
        await using (var last = new NpgsqlCommand("SELECT idx, hash FROM audit_entries WHERE chain = @chain ORDER BY idx DESC LIMIT 1", connection, tx))
        {
            last.Parameters.AddWithValue("chain", PlatformChain);
            await using var reader = await last.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                head = new AuditHead(reader.GetInt32(0) + 1, reader.GetString(1));
            }
        }

        var record = AuditChain.Next(head, e);
        await using var insert = new NpgsqlCommand("INSERT INTO audit_entries (chain, idx, prev_hash, body, hash) VALUES (@chain, @idx, @prev, @body, @hash)", connection, tx);
        insert.Parameters.AddWithValue("chain", PlatformChain);
        insert.Parameters.AddWithValue("idx", record.Index);
        insert.Parameters.AddWithValue("prev", record.PrevHash);
        insert.Parameters.AddWithValue("body", record.Body);
        insert.Parameters.AddWithValue("hash", record.Hash);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string table, string where, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE {where}", connection, tx);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; one more is a file larger than its ZIP entry declares.</summary>
    private sealed class LimitedStream(Stream inner, long limit, string name) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int read)
        {
            _read += read;
            return _read <= limit ? read : throw new InvalidDataException($"{name} is larger than its ZIP entry declares.");
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Passes bytes through (either direction) and hashes them.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            _hash.AppendData(buffer, offset, read);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            _hash.AppendData(buffer.Span[..read]);
            return read;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// Applies the project's versioned SQL scripts (Hosting/Migrations, embedded) in order, each once, in its own
/// transaction, under an advisory lock so that silos starting together do not race. Scripts are also written to be
/// re-runnable on their own (IF NOT EXISTS, ON CONFLICT).
/// </summary>
public static class SchemaMigrator
{
    private const long LockKey = 0x4153_5345_5353; // "ASSESS"

    /// <summary>The embedded scripts as (version, name, sql), in order.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Assessment.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (Version: int.Parse(name[..4], System.Globalization.CultureInfo.InvariantCulture), Name: name, Sql: reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToArray();
    }

    /// <summary>Applies every script not applied yet; returns the names of those applied now.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await Execute(connection, "SELECT pg_advisory_lock(" + LockKey + ")", ct);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS assessment_schema_migrations (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var applied = new Dictionary<int, string>();
            await using (var read = new NpgsqlCommand("SELECT version, checksum FROM assessment_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    applied[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            var done = new List<string>();
            foreach (var (version, name, sql) in Scripts())
            {
                var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
                if (applied.ContainsKey(version))
                {
                    continue;
                }

                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var cmd = new NpgsqlCommand(sql, connection, tx))
                {
                    await cmd.ExecuteNonQueryAsync(ct);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO assessment_schema_migrations (version, name, checksum) VALUES (@v, @n, @c)", connection, tx))
                {
                    record.Parameters.AddWithValue("v", version);
                    record.Parameters.AddWithValue("n", name);
                    record.Parameters.AddWithValue("c", checksum);
                    await record.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                done.Add(name);
            }

            return done;
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock(" + LockKey + ")", CancellationToken.None);
        }
    }

    /// <summary>
    /// Refuses a database that can lose acknowledged writes (fsync or synchronous_commit off) unless the operator said
    /// it is a throwaway.
    /// </summary>
    public static async Task CheckDurabilityAsync(NpgsqlDataSource dataSource, bool throwaway, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var setting in new[] { "fsync", "synchronous_commit" })
        {
            await using var cmd = new NpgsqlCommand($"SHOW {setting}", connection);
            var value = (string?)await cmd.ExecuteScalarAsync(ct);
            if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase) && !throwaway)
            {
                throw new InvalidOperationException(
                    $"The database has {setting}=off, so acknowledged submissions could be lost in a crash. " +
                    "Turn it on, or set Database__Throwaway=true if this database is disposable (tests, benchmarks).");
            }
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

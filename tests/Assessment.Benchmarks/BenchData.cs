using System.Diagnostics;
using System.Text;
using Assessment.Domain.Catalog;
using Npgsql;

namespace Assessment.Benchmarks;

/// <summary>What several scenarios share: seed files, the submission payload, and the COPY baseline.</summary>
internal static class BenchData
{
    /// <summary>A tenant of <paramref name="counties"/> counties with <paramref name="units"/> units each.</summary>
    public static string Seed(string tenant, int counties, int units, Func<int, string?>? countyValues = null)
    {
        var yaml = new StringBuilder($"tenant:\n  id: {tenant}\n  name: 基准市{tenant}\n  issuer: 基准市依法治市办\n  document_prefix: 基法\n  recipients: 各县\nyear: 2024\ncounties:\n");
        for (var c = 0; c < counties; c++)
        {
            yaml.Append($"  - id: c{c}\n    name: 县{c}\n");
            if (countyValues?.Invoke(c) is { } values)
            {
                yaml.Append($"    county: {{ values: {{ {values} }} }}\n");
            }

            yaml.Append("    units:\n");
            for (var u = 0; u < units; u++)
            {
                yaml.Append($"      - {{ id: u{u}, name: 单位{u} }}\n");
            }
        }

        return yaml.ToString();
    }

    /// <summary>Unit-level counts that are not the numerator of any rate, so any values are consistent.</summary>
    public static string[] UnitCounts()
    {
        var catalog = IndicatorCatalog.Default;
        var numerators = catalog.Indicators.Where(i => i.IsComputedRate).Select(i => i.Numerator).ToHashSet();
        return catalog.Indicators
            .Where(i => i.Source == IndicatorSource.Unit && i.Kind == IndicatorKind.Count && !numerators.Contains(i.Code))
            .Select(i => i.Code)
            .ToArray();
    }

    public static async Task<double> WalBytesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8", connection);
        return (double)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Lets <see cref="WalByTableAsync"/> read the WAL written from now on: the pg_walinspect extension, and segments
    /// kept for the scenario's length (the scenario's own cluster).
    /// </summary>
    public static async Task KeepWalAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in new[] { "CREATE EXTENSION IF NOT EXISTS pg_walinspect", "ALTER SYSTEM SET wal_keep_size = '2GB'", "SELECT pg_reload_conf()" })
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The WAL written since <paramref name="fromBytes"/> (a <see cref="WalBytesAsync"/> reading), by relation, largest first.</summary>
    public static async Task<List<(string Relation, long Bytes)>> WalByTableAsync(string connectionString, double fromBytes)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var from = (long)fromBytes;
        await using var cmd = new NpgsqlCommand($"""
            SELECT coalesce(c.relname, CASE WHEN w.node IS NULL THEN '(no relation)' ELSE 'other' END), sum(w.record_length)::bigint
              FROM (SELECT substring(block_ref FROM 'rel [0-9]+/[0-9]+/([0-9]+)') AS node, record_length
                      FROM pg_get_wal_records_info('{from >> 32:X}/{from & 0xffffffff:X}', pg_current_wal_lsn())) w
              LEFT JOIN pg_class c ON c.relfilenode::text = w.node
             GROUP BY 1 ORDER BY 2 DESC
            """, connection);
        var rows = new List<(string, long)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>Transactions committed in the whole cluster so far (statistics are flushed first, so the count is current).</summary>
    public static async Task<long> CommitsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_stat_force_next_flush(); SELECT sum(xact_commit)::bigint FROM pg_stat_database", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }

    /// <summary>
    /// The floor for storing submissions' values: a binary COPY of them into a table, a row per value. Returns the time
    /// it took and the WAL it wrote.
    /// </summary>
    public static async Task<(double Seconds, double WalBytes)> CopyAsync(string connectionString, string table, int submissions, int valuesPerSubmission)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS {table} (unit text NOT NULL, code text NOT NULL, value float8 NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var walBefore = await WalBytesAsync(connectionString);
        var watch = Stopwatch.StartNew();
        await using (var writer = await connection.BeginBinaryImportAsync($"COPY {table} (unit, code, value) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < submissions; i++)
            {
                for (var k = 0; k < valuesPerSubmission; k++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync($"u{i}");
                    await writer.WriteAsync($"indicator.code_{k:D3}");
                    await writer.WriteAsync((double)(i + k));
                }
            }

            await writer.CompleteAsync();
        }

        return (watch.Elapsed.TotalSeconds, await WalBytesAsync(connectionString) - walBefore);
    }
}

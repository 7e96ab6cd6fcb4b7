using Assessment.Domain.Workflow;
using Assessment.Grains.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Assessment.Server.Hosting;

/// <summary>The audit chains in PostgreSQL: one row per entry, written in one statement per group write.</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    public async Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
            SELECT @chain, e.idx, e.prev_hash, e.body, e.hash
              FROM unnest(@idx, @prev, @body, @hash) AS e(idx, prev_hash, body, hash)
            ON CONFLICT (chain, idx) DO UPDATE
               SET prev_hash = EXCLUDED.prev_hash, body = EXCLUDED.body, hash = EXCLUDED.hash
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("chain", chain));
        command.Parameters.Add(new NpgsqlParameter<int[]>("idx", records.Select(r => r.Index).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("prev", records.Select(r => r.PrevHash).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("body", records.Select(r => r.Body).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("hash", records.Select(r => r.Hash).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<AuditRecord>> ReadAsync(string chain, int from, int to)
    {
        var records = new List<AuditRecord>(Math.Max(0, to - from));
        if (to <= from)
        {
            return records;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT idx, prev_hash, body, hash FROM audit_entries WHERE chain = @chain AND idx >= @from AND idx < @to ORDER BY idx");
        command.Parameters.Add(new NpgsqlParameter<string>("chain", chain));
        command.Parameters.Add(new NpgsqlParameter<int>("from", from));
        command.Parameters.Add(new NpgsqlParameter<int>("to", to));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            records.Add(new AuditRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return records;
    }
}

using Assessment.Domain.Workflow;
using Assessment.Grains.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Assessment.Server.Hosting;

/// <summary>The audit chains in PostgreSQL: one row per entry, inserted (never updated) in one statement per group write.</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    public async Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records)
    {
        // Insert-only. The SELECT sees the table as it was before this statement's insert, so it returns exactly the
        // indexes that were already stored, and of those the ones whose hash differs: a conflict, never overwritten.
        await using var command = dataSource.CreateCommand("""
            WITH incoming AS (
                SELECT e.idx, e.prev_hash, e.body, e.hash
                  FROM unnest(@idx, @prev, @body, @hash) AS e(idx, prev_hash, body, hash)),
            inserted AS (
                INSERT INTO audit_entries (chain, idx, prev_hash, body, hash)
                SELECT @chain, idx, prev_hash, body, hash FROM incoming
                ON CONFLICT (chain, idx) DO NOTHING
                RETURNING idx)
            SELECT min(i.idx)
              FROM incoming i JOIN audit_entries a ON a.chain = @chain AND a.idx = i.idx
             WHERE a.hash <> i.hash AND a.idx BETWEEN @first AND @last
            """);
        // The range bounds the lookup to the appended entries whichever join the planner picks (a hash join would
        // otherwise read the whole chain).
        command.Parameters.Add(new NpgsqlParameter<int>("first", records.Count == 0 ? 0 : records.Min(r => r.Index)));
        command.Parameters.Add(new NpgsqlParameter<int>("last", records.Count == 0 ? -1 : records.Max(r => r.Index)));
        command.Parameters.Add(new NpgsqlParameter<string>("chain", chain));
        command.Parameters.Add(new NpgsqlParameter<int[]>("idx", records.Select(r => r.Index).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("prev", records.Select(r => r.PrevHash).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("body", records.Select(r => r.Body).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("hash", records.Select(r => r.Hash).ToArray()) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        if (await command.ExecuteScalarAsync() is int conflict)
        {
            throw new AuditConflictException(chain, conflict);
        }
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

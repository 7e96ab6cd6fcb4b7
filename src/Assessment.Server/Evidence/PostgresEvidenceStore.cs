using System.Data;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Assessment.Server.Evidence;

/// <summary>
/// 佐证材料 in PostgreSQL (migration 0018): chunks of at most 1 MiB as uploaded, moved from the upload to a
/// content-addressed blob inside the database when the file is complete, read back one chunk at a time.
/// </summary>
public sealed class PostgresEvidenceStore(NpgsqlDataSource dataSource) : IEvidenceStore
{
    private const string UploadColumns = "tenant, upload_id, year, county, unit, indicator, file_name, size, sha256, stored, actor";
    private const string FileColumns = "file_id, year, county, unit, indicator, file_name, sha256, size, kind, added_by, attached_at, removed_at, removed_by, removal_reason";

    public async Task<EvidenceUpload?> GetUploadAsync(string tenant, Guid uploadId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {UploadColumns} FROM evidence_uploads WHERE tenant = $1 AND upload_id = $2");
        command.Parameters.Add(Text(tenant));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Upload(reader) : null;
    }

    public async Task<EvidenceUpload> BeginUploadAsync(EvidenceUpload u, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO evidence_uploads ({UploadColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) ON CONFLICT DO NOTHING");
        command.Parameters.Add(Text(u.Tenant));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = u.UploadId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = u.Year });
        command.Parameters.Add(Text(u.County));
        command.Parameters.Add(Text(u.Unit));
        command.Parameters.Add(Text(u.Indicator));
        command.Parameters.Add(Text(u.FileName));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = u.Size });
        command.Parameters.Add(Text(u.Sha256));
        command.Parameters.Add(Text(u.Actor));
        await command.ExecuteNonQueryAsync(ct);
        return await GetUploadAsync(u.Tenant, u.UploadId, ct) ?? throw new InvalidOperationException("An upload just started is gone.");
    }

    public async Task<(ChunkOutcome Outcome, long Stored)> AppendAsync(string tenant, Guid uploadId, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The upload's row is locked for the chunk: two streams of one upload take turns, and each sees the other's bytes.
        long stored;
        await using (var locking = new NpgsqlCommand("SELECT stored FROM evidence_uploads WHERE tenant = $1 AND upload_id = $2 FOR UPDATE", connection, tx))
        {
            locking.Parameters.Add(Text(tenant));
            locking.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = uploadId });
            if (await locking.ExecuteScalarAsync(ct) is not long s)
            {
                return (ChunkOutcome.Gone, -1);
            }

            stored = s;
        }

        if (offset != stored)
        {
            // A repeat is the very bytes of a stored chunk at its own offset; anything else changes nothing.
            await using var same = new NpgsqlCommand(
                "SELECT data = $4 FROM evidence_chunks WHERE tenant = $1 AND blob = $2 AND at_byte = $3", connection, tx);
            same.Parameters.Add(Text(tenant));
            same.Parameters.Add(Text(UploadBlob(uploadId)));
            same.Parameters.Add(new NpgsqlParameter<long> { TypedValue = offset });
            same.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Bytea });
            var repeated = offset < stored && await same.ExecuteScalarAsync(ct) is true;
            await tx.RollbackAsync(ct);
            return (repeated ? ChunkOutcome.Repeated : ChunkOutcome.OffsetMismatch, stored);
        }

        var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("INSERT INTO evidence_chunks (tenant, blob, at_byte, data) VALUES ($1, $2, $3, $4)")
                {
                    Parameters =
                    {
                        Text(tenant), Text(UploadBlob(uploadId)), new NpgsqlParameter<long> { TypedValue = offset },
                        new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Bytea },
                    },
                },
                new NpgsqlBatchCommand("UPDATE evidence_uploads SET stored = stored + $3, touched_at = now() WHERE tenant = $1 AND upload_id = $2")
                {
                    Parameters = { Text(tenant), new NpgsqlParameter<Guid> { TypedValue = uploadId }, new NpgsqlParameter<long> { TypedValue = data.Length } },
                },
            },
        };
        await using (batch)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (ChunkOutcome.Stored, stored + data.Length);
    }

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadUploadAsync(string tenant, Guid uploadId, CancellationToken ct) =>
        ChunksAsync("SELECT data FROM evidence_chunks WHERE tenant = $1 AND blob = $2 ORDER BY at_byte", [Text(tenant), Text(UploadBlob(uploadId))], ct);

    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadBlobAsync(string tenant, string sha256, CancellationToken ct) =>
        ChunksAsync("SELECT data FROM evidence_chunks WHERE tenant = $1 AND blob = $2 ORDER BY at_byte", [Text(tenant), Text(sha256)], ct);

    public async Task<EvidenceRow> CompleteAsync(EvidenceUpload u, string kind, string fileName, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            NpgsqlParameter[] Key() => [Text(u.Tenant), Text(UploadBlob(u.UploadId)), Text(u.Sha256)];
            // The blob once per tenant: its chunks are the upload's, renamed (the out-of-line bytes are not copied); an
            // upload of bytes the tenant has already drops its own.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "WITH blob AS (INSERT INTO evidence_blobs (tenant, sha256, size, kind) VALUES ($1, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING sha256) " +
                "UPDATE evidence_chunks SET blob = $3 WHERE tenant = $1 AND blob = $2 AND EXISTS (SELECT 1 FROM blob)")
            {
                Parameters = { Key()[0], Key()[1], Key()[2], new NpgsqlParameter<long> { TypedValue = u.Size }, Text(kind) },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"INSERT INTO evidence_files (tenant, {FileColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL) ON CONFLICT DO NOTHING")
            {
                Parameters =
                {
                    Text(u.Tenant), new NpgsqlParameter<Guid> { TypedValue = u.UploadId }, new NpgsqlParameter<int> { TypedValue = u.Year }, Text(u.County),
                    Text(u.Unit), Text(u.Indicator), Text(fileName), Text(u.Sha256), new NpgsqlParameter<long> { TypedValue = u.Size }, Text(kind), Text(u.Actor),
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM evidence_chunks WHERE tenant = $1 AND blob = $2") { Parameters = { Key()[0], Key()[1] } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM evidence_uploads WHERE tenant = $1 AND upload_id = $2")
            {
                Parameters = { Text(u.Tenant), new NpgsqlParameter<Guid> { TypedValue = u.UploadId } },
            });
            await batch.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return await GetFileAsync(u.Tenant, u.UploadId, ct) ?? throw new InvalidOperationException("A file just stored is gone.");
    }

    public async Task<IAsyncDisposable?> TryLeaseAsync(string tenant, Guid uploadId, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection);
            take.Parameters.Add(Text($"evidence:{tenant}:{uploadId:N}"));
            if (await take.ExecuteScalarAsync(ct) is true)
            {
                return new Lease(connection, $"evidence:{tenant}:{uploadId:N}");
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>An advisory lock and the session that holds it.</summary>
    private sealed class Lease(NpgsqlConnection connection, string key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
                release.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                await release.ExecuteScalarAsync();
            }
            finally
            {
                await connection.DisposeAsync(); // a pooled session is reset (DISCARD ALL), which releases it in any case
            }
        }
    }

    public async Task DiscardUploadAsync(string tenant, Guid uploadId, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM evidence_chunks WHERE tenant = $1 AND blob = $2")
        {
            Parameters = { Text(tenant), Text(UploadBlob(uploadId)) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM evidence_uploads WHERE tenant = $1 AND upload_id = $2")
        {
            Parameters = { Text(tenant), new NpgsqlParameter<Guid> { TypedValue = uploadId } },
        });
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task<EvidenceRow?> GetFileAsync(string tenant, Guid fileId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT {FileColumns} FROM evidence_files WHERE tenant = $1 AND file_id = $2");
        command.Parameters.Add(Text(tenant));
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = fileId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Row(reader) : null;
    }

    public async Task<IReadOnlyList<EvidenceRow>> ListAsync(string tenant, int year, string county, string? unit, string? indicator, bool includeRemoved,
        int skip, int take, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {FileColumns} FROM evidence_files WHERE tenant = $1 AND year = $2 AND county = $3 AND attached_at IS NOT NULL " +
            "AND ($4::text IS NULL OR unit = $4) AND ($5::text IS NULL OR indicator = $5) AND ($6 OR removed_at IS NULL) " +
            "ORDER BY indicator, attached_at, file_id OFFSET $7 LIMIT $8");
        command.Parameters.Add(Text(tenant));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = year });
        command.Parameters.Add(Text(county));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)unit ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)indicator ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = includeRemoved });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = skip });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
        var rows = new List<EvidenceRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Row(reader));
        }

        return rows;
    }

    public async Task<long> TenantBytesAsync(string tenant, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce((SELECT sum(size) FROM evidence_blobs WHERE tenant = $1), 0) + coalesce((SELECT sum(stored) FROM evidence_uploads WHERE tenant = $1), 0)");
        command.Parameters.Add(Text(tenant));
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> ChunksAsync(string sql, NpgsqlParameter[] parameters, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            yield return await reader.GetFieldValueAsync<byte[]>(0, ct);
        }
    }

    private static EvidenceUpload Upload(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetGuid(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7),
        r.GetString(8), r.GetInt64(9), r.GetString(10));

    private static EvidenceRow Row(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7), r.GetString(8),
        r.GetString(9), Time(r, 10), Time(r, 11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13));

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);

    private static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    /// <summary>The key an upload's chunks are stored under until they become a blob (never a SHA-256: it has a colon).</summary>
    public static string UploadBlob(Guid uploadId) => "upload:" + uploadId.ToString("N");
}

using System.Globalization;
using Assessment.Domain.Workflow;
using Assessment.Server.Hosting;
using Npgsql;

namespace Assessment.Server.Evidence;

/// <summary>
/// The archive rule for 佐证材料: a tenant keeps a year's files for <c>years</c> years after it (10 by default); a purge
/// of the years before that deletes their attachments and every blob no other attachment of the tenant still names,
/// in one transaction, and records itself — who, why, what — in the platform's audit chain. The county chains of those
/// years (published, anchored in their bulletins) keep the files' hashes.
/// </summary>
public static class EvidenceRetention
{
    public const int DefaultYears = 10;

    /// <summary>What a purge removed.</summary>
    public sealed record Purged(int BeforeYear, long Files, long Blobs, long Bytes);

    public static async Task<Purged> PurgeAsync(NpgsqlDataSource database, string tenant, int years, DateTimeOffset now, string actor, string reason, CancellationToken ct = default)
    {
        if (years < 1)
        {
            throw new ArgumentException("keep at least one year (--Years=1 or more).");
        }

        // Years of the assessment are Beijing's calendar years.
        var before = now.ToOffset(TimeSpan.FromHours(8)).Year - years;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        long files, blobs, bytes;
        await using (var delete = new NpgsqlCommand("DELETE FROM evidence_files WHERE tenant = @tenant AND year < @before", connection, tx))
        {
            delete.Parameters.AddWithValue("tenant", tenant);
            delete.Parameters.AddWithValue("before", before);
            files = await delete.ExecuteNonQueryAsync(ct);
        }

        await using (var orphans = new NpgsqlCommand(
            "WITH gone AS (DELETE FROM evidence_blobs b WHERE b.tenant = @tenant AND NOT EXISTS " +
            "(SELECT 1 FROM evidence_files f WHERE f.tenant = b.tenant AND f.sha256 = b.sha256) RETURNING b.sha256, b.size), " +
            "chunks AS (DELETE FROM evidence_chunks c USING gone WHERE c.tenant = @tenant AND c.blob = gone.sha256) " +
            "SELECT count(*), coalesce(sum(size), 0) FROM gone", connection, tx))
        {
            orphans.Parameters.AddWithValue("tenant", tenant);
            await using var reader = await orphans.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (blobs, bytes) = (reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
        }

        var what = string.Create(CultureInfo.InvariantCulture, $"years before {before} (kept {years}): files={files} blobs={blobs} bytes={bytes}");
        await TenantArchive.AppendAsync(connection, tx, new AuditEvent(now, actor, "evidence_purge", tenant, null, what, reason), ct);
        await tx.CommitAsync(ct);
        return new Purged(before, files, blobs, bytes);
    }
}

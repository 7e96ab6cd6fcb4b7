namespace Assessment.Server.Evidence;

/// <summary>An upload in progress: the header it started with and how many bytes are stored.</summary>
public sealed record EvidenceUpload(
    string Tenant, Guid UploadId, int Year, string County, string Unit, string Indicator, string FileName, long Size, string Sha256,
    long Stored, string Actor);

/// <summary>A file attached (or being attached) to a figure, as listed.</summary>
public sealed record EvidenceRow(
    Guid FileId, int Year, string County, string Unit, string Indicator, string FileName, string Sha256, long Size, string Kind,
    string AddedBy, DateTimeOffset? AttachedAt, DateTimeOffset? RemovedAt, string? RemovedBy, string? RemovalReason)
{
    /// <summary>Visible: its audit entry is stored.</summary>
    public bool Attached => AttachedAt is not null;
}

/// <summary>What a chunk did to its upload.</summary>
public enum ChunkOutcome
{
    Stored,
    /// <summary>The same bytes at an offset already stored (a retried or repeated chunk): nothing changed.</summary>
    Repeated,
    /// <summary>Not at the stored offset and not a repeat: nothing changed.</summary>
    OffsetMismatch,
    /// <summary>The upload is no longer there: complete (its file row exists) or refused and discarded.</summary>
    Gone,
}

/// <summary>
/// Where 佐证材料 live: uploads chunk by chunk, then content-addressed blobs per tenant (one copy of each SHA-256), and
/// the rows that attach them to figures. One interface, so a deployment can move the blobs elsewhere
/// (docs/scale.md); PostgreSQL by default. Nothing here reads or writes a file whole.
/// </summary>
public interface IEvidenceStore
{
    Task<EvidenceUpload?> GetUploadAsync(string tenant, Guid uploadId, CancellationToken ct);

    /// <summary>Starts the upload, or returns the one already started with this id (the caller compares headers).</summary>
    Task<EvidenceUpload> BeginUploadAsync(EvidenceUpload upload, CancellationToken ct);

    /// <summary>Stores a chunk at <paramref name="offset"/> if that is where the upload stands; returns what it did and the stored bytes.</summary>
    Task<(ChunkOutcome Outcome, long Stored)> AppendAsync(string tenant, Guid uploadId, long offset, ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>The upload's stored bytes in order, one chunk at a time.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadUploadAsync(string tenant, Guid uploadId, CancellationToken ct);

    /// <summary>
    /// Turns a complete, checked upload into a blob (unless the tenant has those bytes already) and a file row not yet
    /// visible, and forgets the upload: one transaction.
    /// </summary>
    Task<EvidenceRow> CompleteAsync(EvidenceUpload upload, string kind, string fileName, CancellationToken ct);

    /// <summary>
    /// The right to check and complete a stored upload, held until disposed (a session-level advisory lock: it ends with
    /// its connection, so a checker that dies releases it); null when another holds it.
    /// </summary>
    Task<IAsyncDisposable?> TryLeaseAsync(string tenant, Guid uploadId, CancellationToken ct);

    /// <summary>Forgets an upload and its chunks (refused at the end, so the id can start over).</summary>
    Task DiscardUploadAsync(string tenant, Guid uploadId, CancellationToken ct);

    Task<EvidenceRow?> GetFileAsync(string tenant, Guid fileId, CancellationToken ct);

    /// <summary>A county's attached files of a year (a unit's only, when given), by indicator then time; a page.</summary>
    Task<IReadOnlyList<EvidenceRow>> ListAsync(string tenant, int year, string county, string? unit, string? indicator, bool includeRemoved,
        int skip, int take, CancellationToken ct);

    /// <summary>A blob's bytes in order, one chunk at a time.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadBlobAsync(string tenant, string sha256, CancellationToken ct);

    /// <summary>Bytes the tenant stores (blobs and uploads in progress).</summary>
    Task<long> TenantBytesAsync(string tenant, CancellationToken ct);
}

namespace Assessment.Grains.Publications;

/// <summary>
/// Where a round's issued bulletins live outside grain state, insert-only: each edition's documents (HTML, Markdown,
/// the data they were rendered from, the PDF) stored once and never rewritten, and the receipts and reminders that
/// follow them as rows of their own. A receipt or a reminder therefore never rewrites a document, and a document is
/// never held in the state a grain writes back.
/// </summary>
public interface IBulletinStore
{
    /// <summary>
    /// Keeps a document of an edition unless one is kept already (first wins); returns the SHA-256 of the document kept,
    /// which differs from <paramref name="sha256"/> only when another was kept first.
    /// </summary>
    Task<string> KeepDocumentAsync(string round, int edition, string format, byte[] content, string sha256);

    /// <summary>Every document kept for a round (or for one of its editions), in edition order.</summary>
    Task<IReadOnlyList<StoredDocument>> ReadDocumentsAsync(string round, int? edition = null);

    /// <summary>
    /// Records a receipt: the first opening or download of an edition by a recipient (a later one of the same kind is
    /// not stored; the first is returned), or a reminder (every one is stored).
    /// </summary>
    Task<StoredReceipt> KeepReceiptAsync(string round, StoredReceipt receipt);

    /// <summary>Every receipt and reminder of a round, in the order stored.</summary>
    Task<IReadOnlyList<StoredReceipt>> ReadReceiptsAsync(string round);
}

/// <summary>One document of an edition: <see cref="Format"/> is html, markdown, model or pdf.</summary>
public sealed record StoredDocument(int Edition, string Format, byte[] Content, string Sha256);

/// <summary>A receipt (opened, downloaded) or a reminder (reminded, with who sent it) of one recipient for an edition.</summary>
public sealed record StoredReceipt(int Edition, string Recipient, string Kind, string? Sha256, string? Actor, DateTimeOffset At)
{
    public const string Opened = "opened", Downloaded = "downloaded", Reminded = "reminded";
}

/// <summary>The store in memory, for silos without a database (grain tests, benchmarks): the same rules, nothing kept past the process.</summary>
public sealed class InMemoryBulletinStore : IBulletinStore
{
    private readonly Dictionary<string, List<StoredDocument>> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<StoredReceipt>> _receipts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<string> KeepDocumentAsync(string round, int edition, string format, byte[] content, string sha256)
    {
        lock (_gate)
        {
            var list = Of(_documents, round);
            if (list.Find(d => d.Edition == edition && d.Format == format) is { } kept)
            {
                return Task.FromResult(kept.Sha256);
            }

            list.Add(new StoredDocument(edition, format, [.. content], sha256));
            return Task.FromResult(sha256);
        }
    }

    public Task<IReadOnlyList<StoredDocument>> ReadDocumentsAsync(string round, int? edition = null)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredDocument>>([.. Of(_documents, round).Where(d => edition is null || d.Edition == edition).OrderBy(d => d.Edition)]);
        }
    }

    public Task<StoredReceipt> KeepReceiptAsync(string round, StoredReceipt receipt)
    {
        lock (_gate)
        {
            var list = Of(_receipts, round);
            if (receipt.Kind != StoredReceipt.Reminded
                && list.Find(r => r.Edition == receipt.Edition && r.Recipient == receipt.Recipient && r.Kind == receipt.Kind) is { } first)
            {
                return Task.FromResult(first);
            }

            list.Add(receipt);
            return Task.FromResult(receipt);
        }
    }

    public Task<IReadOnlyList<StoredReceipt>> ReadReceiptsAsync(string round)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredReceipt>>([.. Of(_receipts, round)]);
        }
    }

    private static List<T> Of<T>(Dictionary<string, List<T>> map, string round)
    {
        if (!map.TryGetValue(round, out var list))
        {
            map[round] = list = [];
        }

        return list;
    }
}

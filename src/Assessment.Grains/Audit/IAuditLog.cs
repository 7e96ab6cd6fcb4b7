using Assessment.Domain.Workflow;

namespace Assessment.Grains.Audit;

/// <summary>
/// Append-only storage of the county-year audit chains, outside grain state so that a county's state stays small
/// however long its history grows.
/// <para>
/// A county writes its new entries inside its own state first (as pending entries) and appends them here only after
/// that state write has succeeded. A write that succeeds proves the writer held the latest state, so an entry
/// appended here can never land on an index another writer has committed; a stale duplicate activation fails its state
/// write and never reaches this log. Appends are therefore insert-only: an entry already stored with the same hash is
/// a retry, one with another hash is refused and nothing is overwritten.
/// </para>
/// </summary>
public interface IAuditLog
{
    /// <summary>
    /// Stores entries (consecutive indexes) of <paramref name="chain"/>. Indexes already stored with the same hash are
    /// left as they are; an index stored with a different hash throws <see cref="AuditConflictException"/> and
    /// changes nothing.
    /// </summary>
    Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records);

    /// <summary>Entries with index in [<paramref name="from"/>, <paramref name="to"/>), in index order, as stored.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAsync(string chain, int from, int to);
}

/// <summary>An append met a stored entry with another hash at the same index; nothing was overwritten.</summary>
public sealed class AuditConflictException(string chain, int index)
    : Exception($"Audit chain {chain}: entry {index} is already stored with another hash; nothing was overwritten.")
{
    public string Chain { get; } = chain;

    public int Index { get; } = index;
}

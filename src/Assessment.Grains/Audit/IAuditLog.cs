using Assessment.Domain.Workflow;

namespace Assessment.Grains.Audit;

/// <summary>
/// Append-only storage of the county-year audit chains, outside grain state so that a county's state stays small
/// however long its history grows. A county writes its new entries before the state that records the new head; an
/// entry at an index beyond the stored head (left by a write that failed) is overwritten by the next append.
/// </summary>
public interface IAuditLog
{
    /// <summary>Stores entries (consecutive indexes) of <paramref name="chain"/>, replacing any at the same indexes.</summary>
    Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records);

    /// <summary>Entries with index in [<paramref name="from"/>, <paramref name="to"/>), in index order, as stored.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAsync(string chain, int from, int to);
}

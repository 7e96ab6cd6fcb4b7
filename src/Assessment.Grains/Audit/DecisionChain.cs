using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Audit;

/// <summary>The head of a grain's own chain of decisions and the entries stored with its state but not yet appended.</summary>
public interface IDecisionChainState
{
    int AuditCount { get; set; }

    string AuditHash { get; set; }

    List<AuditRecord> PendingAudit { get; }
}

/// <summary>
/// A grain's own hash chain of decisions in the audit log (a round's; a round's bulletins'), kept the way a county keeps
/// its chain: an entry is chained into the grain's state (head and pending entries), written with it, and appended to
/// the insert-only log after that write succeeds, so a decision is never lost and never appended without its state. A
/// failed append is retried by the next write or activation; appending an entry again is a no-op.
/// </summary>
public static class DecisionChain
{
    /// <summary>Chains a decision into the state (stored by the grain's next write).</summary>
    public static void Add(IDecisionChainState state, RoundAuditEntry entry, string scope)
    {
        var record = AuditChain.Next(new AuditHead(state.AuditCount, state.AuditHash),
            new AuditEvent(entry.At, entry.Actor, entry.Action, scope, null, entry.Detail, entry.Reason));
        state.PendingAudit.Add(record);
        state.AuditCount = record.Index + 1;
        state.AuditHash = record.Hash;
    }

    /// <summary>
    /// For a grain stored before its decisions had a chain: the decisions it shows start the chain, as they were
    /// recorded. The same list gives the same entries, so doing this again before the next write appends nothing new.
    /// </summary>
    public static void StartFrom(IDecisionChainState state, IEnumerable<RoundAuditEntry> shown, string scope)
    {
        if (state.AuditCount != 0 || state.PendingAudit.Count != 0)
        {
            return;
        }

        foreach (var entry in shown)
        {
            Add(state, entry, scope);
        }
    }

    /// <summary>
    /// Appends the stored entries to the log and forgets them in memory (the stored state keeps them until the next
    /// write: appending them again is a no-op). A failure is logged; the next write or activation retries.
    /// </summary>
    public static async Task FlushAsync(IDecisionChainState state, IAuditLog log, string chain, ILogger logger)
    {
        if (state.PendingAudit.Count == 0)
        {
            return;
        }

        try
        {
            await log.AppendAsync(chain, [.. state.PendingAudit]);
            state.PendingAudit.Clear();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Chain {Chain}: appending {Count} stored audit entries failed; will retry with the next write", chain, state.PendingAudit.Count);
        }
    }
}

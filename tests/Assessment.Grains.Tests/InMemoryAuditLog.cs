using System.Collections.Concurrent;
using Assessment.Domain.Workflow;
using Assessment.Grains.Audit;

namespace Assessment.Grains.Tests;

/// <summary>The audit log of the in-process test cluster (the server's is PostgreSQL, tested in the integration suite).</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly ConcurrentDictionary<string, SortedDictionary<int, AuditRecord>> _chains = new(StringComparer.Ordinal);

    public Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records)
    {
        var entries = _chains.GetOrAdd(chain, _ => []);
        lock (entries)
        {
            foreach (var r in records)
            {
                entries[r.Index] = r;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> ReadAsync(string chain, int from, int to)
    {
        if (!_chains.TryGetValue(chain, out var entries))
        {
            return Task.FromResult<IReadOnlyList<AuditRecord>>([]);
        }

        lock (entries)
        {
            return Task.FromResult<IReadOnlyList<AuditRecord>>(entries.Values.Where(r => r.Index >= from && r.Index < to).ToArray());
        }
    }
}

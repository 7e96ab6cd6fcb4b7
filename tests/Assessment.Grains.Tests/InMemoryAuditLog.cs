using System.Collections.Concurrent;
using Assessment.Domain.Workflow;
using Assessment.Grains.Audit;

namespace Assessment.Grains.Tests;

/// <summary>The audit log of the in-process test cluster (the server's is PostgreSQL, tested in the integration suite).</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly ConcurrentDictionary<string, SortedDictionary<int, AuditRecord>> _chains = new(StringComparer.Ordinal);

    public InMemoryAuditLog() => Current = this;

    /// <summary>The test cluster's log (one silo), for tests that read what the grains appended.</summary>
    public static InMemoryAuditLog? Current { get; private set; }

    /// <summary>While set, appends of the chains it selects fail (a database that went away).</summary>
    public Func<string, bool>? FailNext { get; set; }

    public Task AppendAsync(string chain, IReadOnlyList<AuditRecord> records)
    {
        if (FailNext?.Invoke(chain) == true)
        {
            throw new InvalidOperationException("audit log unavailable (test)");
        }

        var entries = _chains.GetOrAdd(chain, _ => []);
        lock (entries)
        {
            foreach (var r in records)
            {
                if (entries.TryGetValue(r.Index, out var stored) && stored.Hash != r.Hash)
                {
                    throw new AuditConflictException(chain, r.Index);
                }
            }

            foreach (var r in records)
            {
                entries.TryAdd(r.Index, r);
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

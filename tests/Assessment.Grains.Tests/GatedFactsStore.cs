using System.Collections.Concurrent;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

/// <summary>
/// The test cluster's county store: answers like a host without one (every county is asked), except that a test may
/// hold a tenant's facts read — a ranking's sweep then stays on the round's turn until the test lets it go.
/// </summary>
public sealed class GatedFactsStore : ICountyFactsStore
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    /// <summary>Holds the next facts reads of <paramref name="tenant"/> until the returned source is completed.</summary>
    public static TaskCompletionSource Hold(string tenant) =>
        Gates[tenant] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Tells that a held read has started.</summary>
    public static ConcurrentDictionary<string, TaskCompletionSource> Entered { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default)
    {
        if (Gates.TryGetValue(tenant, out var gate))
        {
            Entered.GetOrAdd(tenant, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await gate.Task.WaitAsync(ct);
        }

        return null;
    }

    public Task<IReadOnlyDictionary<string, CountyBoardRow>?> ReadBoardAsync(string tenant, int year, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyDictionary<string, CountyBoardRow>?>(null);
}

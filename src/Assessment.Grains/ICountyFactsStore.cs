using Assessment.Grains.Abstractions;

namespace Assessment.Grains;

/// <summary>
/// Reads the stored facts of all of a round's counties in one go, so that a ranking after a restart (or a periodic
/// sweep) costs one query instead of activating every county grain. Only durable facts exist in storage, and the
/// county grains tell rounds only durable facts too, so both sources agree on what a revision stands for.
/// </summary>
public interface ICountyFactsStore
{
    /// <summary>Facts by county id; null when this store cannot answer (the round then asks each county grain).</summary>
    Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default);
}

/// <summary>The store of hosts without one (in-memory test clusters): every county is asked.</summary>
public sealed class NoCountyFactsStore : ICountyFactsStore
{
    public Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyDictionary<string, CountyFactsSnapshot>?>(null);
}

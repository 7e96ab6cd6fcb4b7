using Assessment.Grains.Abstractions;

namespace Assessment.Grains;

/// <summary>
/// Reads what the counties of a round stored with their last write, for all of them in one go: the scoring facts (a
/// ranking after a restart) and the overview lines (progress, the board, a bulletin's timeliness figures). Each costs
/// one query instead of activating every county grain. Only durable state exists in storage, and the county grains
/// answer from durable state too, so both sources agree.
/// </summary>
public interface ICountyFactsStore
{
    /// <summary>Facts by county id; null when this store cannot answer (the round then asks each county grain).</summary>
    Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default);

    /// <summary>Overview lines by county id; null when this store cannot answer. A county without a row is asked itself.</summary>
    Task<IReadOnlyDictionary<string, CountyBoardRow>?> ReadBoardAsync(string tenant, int year, CancellationToken ct = default);
}

/// <summary>The store of hosts without one (in-memory test clusters): every county is asked.</summary>
public sealed class NoCountyFactsStore : ICountyFactsStore
{
    public Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?> ReadAsync(string tenant, int year, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyDictionary<string, CountyFactsSnapshot>?>(null);

    public Task<IReadOnlyDictionary<string, CountyBoardRow>?> ReadBoardAsync(string tenant, int year, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyDictionary<string, CountyBoardRow>?>(null);
}

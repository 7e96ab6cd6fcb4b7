using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// A county's stored state for a year: one small aggregate cell per indicator and the version of each unit it has
/// applied. It never holds the units' values, so its size does not grow with the number of units' submissions.
/// </summary>
[GenerateSerializer, Alias("assessment.CountyState")]
public sealed class CountyState
{
    [Id(0)] public Dictionary<string, AggregateCell> Cells { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, int> UnitVersions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Increases with every applied change; lets readers skip unchanged counties.</summary>
    [Id(2)] public int Revision { get; set; }
    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>Aggregates a county's units. Applying a unit's change is idempotent on (unit, version).</summary>
public sealed class CountyGrain(
    [PersistentState("county", StorageNames.Default)] IPersistentState<CountyState> state,
    IndicatorCatalog catalog,
    TimeProvider clock,
    ILogger<CountyGrain> logger) : Grain, ICountyGrain
{
    private static readonly Dictionary<string, double> Empty = new(StringComparer.Ordinal);
    private Dictionary<string, double>? _values;

    private CountyState S => state.State;

    public async Task<int> ApplyUnitChange(UnitChange change)
    {
        var current = S.UnitVersions.GetValueOrDefault(change.Unit);
        if (current >= change.ToVersion)
        {
            return current; // already applied: a retry after a lost answer
        }

        var baseValues = current == 0
            ? Empty
            : Array.Find(change.Bases, b => b.Version == current)?.Values;
        if (baseValues is null)
        {
            logger.LogError("County {County} is at version {Current} of unit {Unit}, which the unit no longer offers; refusing the change",
                this.GetPrimaryKeyString(), current, change.Unit);
            throw new UnavailableException("县级汇总与单位版本不一致，已记录待处理。");
        }

        CountyAggregate.Apply(catalog, S.Cells, baseValues, change.ToValues);
        S.UnitVersions[change.Unit] = change.ToVersion;
        S.Revision++;
        S.UpdatedAt = clock.GetUtcNow();
        _values = null;
        await state.WriteOrRestoreAsync(GrainContext, logger);
        return change.ToVersion;
    }

    public Task<CountyFactsSnapshot?> GetFactsIfChanged(int knownRevision) =>
        Task.FromResult(knownRevision == S.Revision && knownRevision != 0 ? null : new CountyFactsSnapshot(S.Revision, Values()));

    public Task<CountyAggregateView> GetAggregate() => Task.FromResult(new CountyAggregateView(
        S.Revision,
        Values(),
        S.Cells.ToDictionary(kv => kv.Key, kv => kv.Value.Reporters, StringComparer.Ordinal),
        new Dictionary<string, int>(S.UnitVersions, StringComparer.Ordinal)));

    private Dictionary<string, double> Values() => _values ??= CountyAggregate.Values(catalog, S.Cells);
}

using System.Collections.Concurrent;
using System.Collections.Frozen;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains;

/// <summary>A year's catalog as every consumer uses it: the parsed catalog, its version and the roster's unit kinds.</summary>
public sealed class ResolvedCatalog(int version, IndicatorCatalog catalog, IReadOnlyDictionary<string, string> unitKinds)
{
    private readonly FrozenDictionary<string, string> _unitKinds = unitKinds.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The tenant's catalog version (1: the national default).</summary>
    public int Version { get; } = version;

    public IndicatorCatalog Catalog { get; } = catalog;

    /// <summary>The kind of a roster unit (乡镇 or 县直部门); the county itself and the assessors' entry ask every kind.</summary>
    public UnitKinds KindOf(string county, string unit) =>
        unit is GrainKeys.CountySelf or GrainKeys.AssessorEntry ? UnitKinds.All
        : UnitKindNames.Parse(_unitKinds.GetValueOrDefault($"{county}/{unit}"));

    /// <summary>Every tenant's year without a catalog of its own.</summary>
    public static ResolvedCatalog Default { get; } = new(1, IndicatorCatalog.Default, new Dictionary<string, string>());
}

/// <summary>
/// Which catalog a tenant's year uses: the version its round pinned, or the tenant's latest when the year has no round
/// yet. A pin is final once the round opens, so those answers are kept for the life of the process (bounded); a draft's
/// is asked again each time, as it may still change.
/// </summary>
public sealed class RoundCatalogs(IGrainFactory grains, TimeProvider clock)
{
    /// <summary>Fixed years kept; beyond it the cache starts over (each entry is re-asked once).</summary>
    private const int MaxFixed = 4096;

    /// <summary>
    /// How long a fixed year's answer is used before the round is asked again: a catalog re-pinned while the round is
    /// open (rare, audited) reaches every silo's validation within this time; the counties take it at once.
    /// </summary>
    public static readonly TimeSpan Revalidate = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Tenant, int Year), (ResolvedCatalog Catalog, long At)> _fixed = new();

    /// <summary>The catalog of a tenant's year, or (year 0) the tenant's latest catalog.</summary>
    public ValueTask<ResolvedCatalog> ForYearOrLatestAsync(string tenant, int year) =>
        year == 0 ? LatestAsync(tenant) : ForYearAsync(tenant, year);

    /// <summary>The tenant's latest catalog with its roster's unit kinds.</summary>
    public async ValueTask<ResolvedCatalog> LatestAsync(string tenant)
    {
        var latest = await grains.GetGrain<ICatalogGrain>(GrainKeys.Tenant(tenant)).GetLatest();
        var profile = await grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile();
        return Resolve(latest.Version, latest.Yaml, profile is null ? [] : UnitKindsOf(profile.Counties));
    }

    /// <summary>The catalog of a tenant's year; <paramref name="fresh"/> asks the round whatever is cached.</summary>
    public async ValueTask<ResolvedCatalog> ForYearAsync(string tenant, int year, bool fresh = false)
    {
        if (!fresh && _fixed.TryGetValue((tenant, year), out var known) && clock.GetElapsedTime(known.At) < Revalidate)
        {
            return known.Catalog;
        }

        var pinned = await grains.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, year)).GetCatalog();
        if (pinned is null)
        {
            return await LatestAsync(tenant);
        }

        var resolved = Resolve(pinned.Version, pinned.Yaml, pinned.UnitKinds);
        if (pinned.Fixed)
        {
            if (_fixed.Count >= MaxFixed)
            {
                _fixed.Clear();
            }

            _fixed[(tenant, year)] = (resolved, clock.GetTimestamp());
        }

        return resolved;
    }

    /// <summary>The roster's units that are not departments (the default kind), by "county/unit".</summary>
    public static Dictionary<string, string> UnitKindsOf(IEnumerable<CountyInfo> counties) => counties
        .SelectMany(c => c.Units.Where(u => u.Kind != UnitKindNames.Department).Select(u => (Key: $"{c.Id}/{u.Id}", u.Kind)))
        .ToDictionary(x => x.Key, x => x.Kind, StringComparer.Ordinal);

    private static ResolvedCatalog Resolve(int version, string? yaml, IReadOnlyDictionary<string, string> kinds) =>
        version == 1 && kinds.Count == 0 && (yaml is null || yaml == IndicatorCatalog.DefaultText)
            ? ResolvedCatalog.Default
            : new ResolvedCatalog(version, IndicatorCatalog.FromText(yaml), kinds);
}

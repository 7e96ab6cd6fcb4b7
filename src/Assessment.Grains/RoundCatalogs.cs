using System.Collections.Concurrent;
using Assessment.Domain.Catalog;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains;

/// <summary>A year's catalog as every consumer uses it: the parsed catalog and its version.</summary>
public sealed record ResolvedCatalog(int Version, IndicatorCatalog Catalog)
{
    /// <summary>Every tenant's year without a catalog of its own.</summary>
    public static ResolvedCatalog Default { get; } = new(1, IndicatorCatalog.Default);
}

/// <summary>
/// Which catalog a tenant's year uses: the version its round pinned, or the tenant's latest when the year has no round
/// yet; and which kind a roster unit is (乡镇 or 县直部门). Once the round is open the answer is kept per silo, bounded,
/// and asked again after <see cref="Revalidate"/>; a draft's is asked each time, as it may still change.
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

    /// <summary>The tenant's latest catalog.</summary>
    public async ValueTask<ResolvedCatalog> LatestAsync(string tenant)
    {
        var latest = await grains.GetGrain<ICatalogGrain>(GrainKeys.Tenant(tenant)).GetLatest();
        return Resolve(latest.Version, latest.Yaml);
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

        var resolved = Resolve(pinned.Version, pinned.Yaml);
        if (pinned.Fixed)
        {
            if (_fixed.Count >= MaxFixed)
            {
                _fixed.Clear();
            }

            _fixed[(tenant, year)] = (resolved, clock.GetTimestamp());
        }
        else
        {
            _fixed.TryRemove((tenant, year), out _); // a re-pin under way: what this silo kept is no longer the pin
        }

        return resolved;
    }

    /// <summary>
    /// The kind of a roster unit: as its county holds it from the round's pinned roster, or, before the round opens, as
    /// the tenant's roster says. The county itself and the assessors' entry are asked every kind.
    /// </summary>
    public async ValueTask<UnitKinds> UnitKindAsync(string tenant, string county, string unit, int year)
    {
        if (unit is GrainKeys.CountySelf or GrainKeys.AssessorEntry)
        {
            return UnitKinds.All;
        }

        if (await grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county, year)).GetUnitKind(unit) is { } pinned)
        {
            return UnitKindNames.Parse(pinned);
        }

        var profile = await grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile();
        return UnitKindNames.Parse(profile?.County(county)?.Units.FirstOrDefault(u => u.Id == unit)?.Kind);
    }

    private static ResolvedCatalog Resolve(int version, string? yaml) =>
        version == 1 && (yaml is null || yaml == IndicatorCatalog.DefaultText)
            ? ResolvedCatalog.Default
            : new ResolvedCatalog(version, IndicatorCatalog.FromText(yaml));
}

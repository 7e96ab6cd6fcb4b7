using System.Collections.Concurrent;
using Assessment.Grains;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Web;

/// <summary>
/// The tenant's name and the years that have a round (from five years back to next year), for the layout's year
/// switcher and for the home page's default year. Kept for a few seconds per tenant: a page view asks once.
/// </summary>
public sealed class RoundYears(IClusterClient cluster, TimeProvider clock)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string Name, int[] Years)> _known = new(StringComparer.Ordinal);

    public async Task<(string Name, int[] Years)> ShellAsync(string tenant)
    {
        var now = clock.GetUtcNow();
        if (_known.TryGetValue(tenant, out var cached) && now - cached.At < Fresh)
        {
            return (cached.Name, cached.Years);
        }

        var thisYear = now.ToOffset(Beijing.Offset).Year;
        var candidates = Enumerable.Range(thisYear - 5, 7).Where(GrainKeys.IsValidYear).ToArray();
        var profile = cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).GetProfile();
        var rounds = await Task.WhenAll(candidates.Select(y => cluster.GetGrain<IRoundGrain>(GrainKeys.Round(tenant, y)).GetInfo()));
        var years = candidates.Where((_, i) => rounds[i] is not null).ToArray();
        var name = (await profile)?.Name ?? tenant;
        if (_known.Count > 10_000)
        {
            _known.Clear(); // bounded: one entry per tenant seen recently
        }

        _known[tenant] = (now, name, years);
        return (name, years);
    }

    /// <summary>The year a signed-in person most likely wants: the latest with a round, else last year.</summary>
    public async Task<int> DefaultYearAsync(string tenant)
    {
        var (_, years) = await ShellAsync(tenant);
        return years.Length > 0 ? years[^1] : clock.GetUtcNow().ToOffset(Beijing.Offset).Year - 1;
    }

    /// <summary>Forget a tenant's years (a round was just defined).</summary>
    public void Forget(string tenant) => _known.TryRemove(tenant, out _);
}

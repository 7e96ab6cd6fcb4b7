using Assessment.Domain.Catalog;
using Assessment.Domain.Ranking;
using Assessment.Domain.Scoring;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Grains;

/// <summary>
/// A round's scores, kept between rankings: each county's facts with their revision, its score card (points only; see
/// <see cref="Explained"/>), the peer ranges
/// and the ranked result. A refresh asks only the counties that reported a change, and all of them on the first
/// refresh and every <see cref="SweepInterval"/> (a change notice can be lost with a silo); a changed county is
/// rescored, every county only when the peer ranges move; ranking is then a sort. Owned by one round activation and
/// used only on its turn.
/// </summary>
internal sealed class RankingCache(TimeProvider clock)
{
    /// <summary>Longest time between rankings that ask every county, not only those that reported a change.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, CountyFactsSnapshot> _facts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScoreCard> _cards = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, PeerRange> _peers = new Dictionary<string, PeerRange>();
    private Scorer? _scorer;
    private HashSet<string> _changed = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string> _groups = new Dictionary<string, string>();
    private long _lastSweep;

    /// <summary>The pinned scheme, or null before the round is defined.</summary>
    public Scheme? Scheme { get; private set; }

    /// <summary>The counties in rank order as of the last refresh (null until the first).</summary>
    public IReadOnlyList<RankedCounty>? Ranked { get; private set; }

    /// <summary>The ranking handed out since the last change; null when it must be built again.</summary>
    public RankingResult? Latest { get; set; }

    public void Pin(Scheme scheme, IndicatorCatalog catalog)
    {
        Scheme = scheme;
        _scorer = new Scorer(catalog, scheme);
        _cards.Clear();
        Ranked = null;
        Latest = null;
    }

    /// <summary>A county stored a change: it is asked on the next refresh.</summary>
    public void Changed(string county) => _changed.Add(county);

    /// <summary>Ranks again on the next refresh (grades changed without any county's facts changing).</summary>
    public void Invalidate()
    {
        Ranked = null;
        Latest = null;
    }

    /// <summary>Asks every county on the next refresh.</summary>
    public void SweepNext()
    {
        Latest = null;
        _changed.Clear();
        _lastSweep = 0;
    }

    /// <param name="stored">On a sweep, every county's stored facts in one read (null: ask each county).</param>
    public async Task RefreshAsync(CountyInfo[] counties, Func<string, int, Task<CountyFactsSnapshot?>> factsIfChanged,
        Func<Task<IReadOnlyDictionary<string, CountyFactsSnapshot>?>> stored, Dictionary<string, string> groups, HashSet<string> overrides)
    {
        var scheme = Scheme ?? throw new InvalidOperationException("No scheme pinned.");
        if (!SameGroups(groups, _groups))
        {
            // A county moved between categories (县 ↔ 区): its 分值 may differ, so every card is made again.
            _groups = new Dictionary<string, string>(groups, StringComparer.Ordinal);
            _cards.Clear();
        }

        var sweep = _facts.Count < counties.Length || _lastSweep == 0 || clock.GetElapsedTime(_lastSweep) > SweepInterval;
        var reported = _changed;
        _changed = new HashSet<string>(StringComparer.Ordinal);
        if (sweep)
        {
            _lastSweep = clock.GetTimestamp();
        }

        var asked = sweep ? counties : counties.Where(c => reported.Contains(c.Id)).ToArray();
        CountyFactsSnapshot?[] updates;
        try
        {
            var read = sweep ? await stored() : null;
            int Known(string county) => _facts.TryGetValue(county, out var known) ? known.Revision : 0;
            updates = await Task.WhenAll(asked.Select(c => read is not null && read.TryGetValue(c.Id, out var row)
                ? Task.FromResult(row.Revision == Known(c.Id) && row.Revision != 0 ? null : row)
                : factsIfChanged(c.Id, Known(c.Id))));
        }
        catch
        {
            // Notices arriving while this ran are in the new set; the ones taken now go back for the next refresh.
            _changed.UnionWith(reported);
            _lastSweep = sweep ? 0 : _lastSweep;
            throw;
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < asked.Length; i++)
        {
            if (updates[i] is { } update)
            {
                _facts[asked[i].Id] = update;
                changed.Add(asked[i].Id);
            }
        }

        if (changed.Count == 0 && Ranked is not null && _cards.Count == counties.Length)
        {
            return;
        }

        var facts = counties.Select(c => Facts(c.Id)).ToArray();
        var peers = _scorer!.PeerRanges(facts);
        // Peer-relative lines depend on every county: when their ranges move, every card is rescored; otherwise only
        // the counties whose facts changed are.
        var rescore = !SamePeers(peers, _peers) || _cards.Count != counties.Length
            ? facts
            : facts.Where(f => changed.Contains(f.County)).ToArray();
        foreach (var county in rescore)
        {
            _cards[county.County] = _scorer.Score(county, peers, explain: false);
        }

        _peers = peers;
        Ranked = Ranker.Rank(scheme, counties.Select(c => _cards[c.Id]).ToArray(), groups, overrides);
        Latest = null;
    }

    /// <summary>The ranking as clients see it: names, dimension points, last year's rank and total, adjustments.</summary>
    public RankingResult Result(IReadOnlyList<RankedCounty> ranked, Scheme scheme, int year, IReadOnlyDictionary<string, string> names, RankingResult? previous)
    {
        var before = previous?.Rows.ToDictionary(r => r.County, StringComparer.Ordinal);
        return new RankingResult(
            year, scheme.Id, scheme.Name,
            scheme.Dimensions.Select(d => new DimensionHeader(d.Code, d.Name, d.Weight)).ToArray(),
            ranked.Select(r =>
            {
                var last = before is not null && before.TryGetValue(r.County, out var p) ? p : null;
                return new RankingRow(r.Rank, r.County, names[r.County], r.Total, r.Grade,
                    r.Card.Dimensions.Select(d => d.Points).ToArray(), r.LimitedByQuota, r.Card.Vetoed,
                    last?.Rank, last?.Total, r.QuotaOverride,
                    _facts.TryGetValue(r.County, out var f) && f.Adjustments.Length > 0 ? f.Adjustments : null);
            }).ToArray(),
            clock.GetUtcNow(),
            scheme.AllGrades.ToArray(),
            scheme.GroupScales is { Count: > 0 } ? null : scheme.Grades.Select(g => new GradeLine(g.Label, g.Min)).ToArray());
    }

    /// <summary>
    /// A county's card with every line explained. The cached cards carry points only (explaining 2,850 counties' lines is
    /// most of a full rescoring); the one county a page or the published scores show is explained from the same facts and
    /// peer ranges, so its points are the cached card's.
    /// </summary>
    public ScoreCard Explained(string county) => _scorer!.Score(Facts(county), _peers);

    /// <summary>The county's facts for scoring (the cache holds every county after a refresh).</summary>
    public CountyFacts Facts(string county)
    {
        var f = _facts[county];
        return new CountyFacts(county, f.Values, f.Adjustments.Length == 0
            ? null
            : f.Adjustments.Select(a => new ScoreAdjustment(a.Id, a.Target, a.Points, a.Reason, a.Evidence)).ToArray(),
            _groups.GetValueOrDefault(county));
    }

    private static bool SameGroups(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);

    private static bool SamePeers(IReadOnlyDictionary<string, PeerRange> a, IReadOnlyDictionary<string, PeerRange> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
}

using Assessment.Domain.Scoring;

namespace Assessment.Domain.Ranking;

/// <summary>A county's place in a round's ranking.</summary>
public sealed record RankedCounty(int Rank, ScoreCard Card, string Grade, bool LimitedByQuota, bool QuotaOverride = false)
{
    /// <summary>The county code.</summary>
    public string County => Card.County;

    /// <summary>The official total (two decimals).</summary>
    public double Total => Card.Total;
}

/// <summary>Ranks score cards and assigns grades with the scheme's bands and quota.</summary>
public static class Ranker
{
    /// <summary>
    /// Orders by total (descending); equal totals share a rank (1, 2, 2, 4) and are listed in county-code order.
    /// Grades come from the county's group scale (or the scheme's); a veto gives the lowest grade. The quota grade goes
    /// to at most floor(share × counties of the group); when counties tied at the quota line would exceed it, all of
    /// them take the next grade (限于比例) unless the assessor granted some of them the grade with a recorded reason
    /// (<paramref name="quotaOverrides"/>), which is honoured only while the quota still holds.
    /// </summary>
    public static IReadOnlyList<RankedCounty> Rank(
        Scheme scheme,
        IReadOnlyList<ScoreCard> cards,
        IReadOnlyDictionary<string, string>? groups = null,
        IReadOnlySet<string>? quotaOverrides = null)
    {
        var ordered = cards
            .OrderByDescending(c => c.Total)
            .ThenBy(c => c.County, StringComparer.Ordinal)
            .ToArray();
        var ranks = new int[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            ranks[i] = i > 0 && ordered[i].Total == ordered[i - 1].Total ? ranks[i - 1] : i + 1;
        }

        var grades = new string[ordered.Length];
        var limited = new bool[ordered.Length];
        var overridden = new bool[ordered.Length];
        string? GroupOf(string county) => groups is not null && groups.TryGetValue(county, out var g) ? g : null;
        foreach (var group in Enumerable.Range(0, ordered.Length).GroupBy(i => GroupOf(ordered[i].County) ?? ""))
        {
            var members = group.ToArray(); // in rank order
            var scale = scheme.Scale(group.Key.Length == 0 ? null : group.Key);
            foreach (var i in members)
            {
                grades[i] = ordered[i].Vetoed ? scale.Lowest : scale.Band(ordered[i].Total);
            }

            if (scale.Quota is not { } quota)
            {
                continue;
            }

            var allowed = (int)Math.Floor((quota.Share * members.Length) + 1e-9);
            var holders = members.Where(i => grades[i] == quota.Label).ToList();
            if (holders.Count <= allowed)
            {
                continue;
            }

            var cutScore = allowed < holders.Count ? ordered[holders[allowed]].Total : double.NaN;
            var dropped = holders.Where((i, k) => k >= allowed || ordered[i].Total == cutScore).ToList();
            var kept = holders.Count - dropped.Count;
            var granted = dropped.Where(i => ordered[i].Total == cutScore && quotaOverrides?.Contains(ordered[i].County) == true).ToList();
            if (kept + granted.Count > allowed)
            {
                granted.Clear();
            }

            foreach (var i in dropped)
            {
                if (granted.Contains(i))
                {
                    overridden[i] = true;
                    continue;
                }

                grades[i] = scale.Below(quota.Label);
                limited[i] = true;
            }
        }

        return ordered.Select((c, i) => new RankedCounty(ranks[i], c, grades[i], limited[i], overridden[i])).ToArray();
    }
}

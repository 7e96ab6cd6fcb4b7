using Assessment.Domain.Scoring;

namespace Assessment.Domain.Ranking;

/// <summary>A county's place in a round's ranking.</summary>
public sealed record RankedCounty(int Rank, ScoreCard Card, string Grade, bool LimitedByQuota)
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
    /// A veto gives the lowest grade. The quota grade goes to at most floor(share × counties); when counties tied at
    /// the quota line would exceed it, all of them take the next grade (限于比例).
    /// </summary>
    public static IReadOnlyList<RankedCounty> Rank(Scheme scheme, IReadOnlyList<ScoreCard> cards)
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

        var grades = ordered.Select(c => c.Vetoed ? scheme.LowestGrade : Band(scheme, c.Total)).ToArray();
        var limited = new bool[ordered.Length];
        if (scheme.Quota is { } quota)
        {
            var allowed = (int)Math.Floor(quota.Share * ordered.Length + 1e-9);
            var holders = Enumerable.Range(0, ordered.Length).Where(i => grades[i] == quota.Label).ToList();
            if (holders.Count > allowed)
            {
                // Counties beyond the quota, and any tied with the first county beyond it, drop one grade.
                var cutScore = ordered[holders[allowed]].Total;
                foreach (var i in holders.Where((_, k) => k >= allowed || ordered[holders[k]].Total == cutScore))
                {
                    grades[i] = NextGrade(scheme, quota.Label);
                    limited[i] = true;
                }
            }
        }

        return ordered.Select((c, i) => new RankedCounty(ranks[i], c, grades[i], limited[i])).ToArray();
    }

    private static string Band(Scheme scheme, double total) =>
        scheme.Grades.First(b => total >= b.Min || b == scheme.Grades[^1]).Label;

    private static string NextGrade(Scheme scheme, string label)
    {
        var index = scheme.Grades.ToList().FindIndex(b => b.Label == label);
        return scheme.Grades[Math.Min(index + 1, scheme.Grades.Count - 1)].Label;
    }
}

namespace Assessment.Domain.Keys;

/// <summary>
/// "Did you mean": the names closest to a mistyped one, by optimal string alignment distance (insertions, deletions,
/// substitutions, adjacent swaps) or a shared prefix. One rule for indicator codes and command-line words.
/// </summary>
public static class Similar
{
    /// <summary>Up to <paramref name="take"/> candidates within a third of the word's length (at least 1), closest first.</summary>
    public static IReadOnlyList<string> To(string word, IEnumerable<string> candidates, int take = 3)
    {
        if (word.Length is 0 or > 64)
        {
            return [];
        }

        var bare = word.TrimStart('-');
        var limit = Math.Max(1, bare.Length / 3);
        return candidates.Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Distance(word, c)))
            .Where(c => c.Distance <= limit || (bare.Length >= 3 && c.Name.TrimStart('-').StartsWith(bare, StringComparison.Ordinal)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(take).Select(c => c.Name).ToList();
    }

    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}

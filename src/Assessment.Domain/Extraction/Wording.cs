namespace Assessment.Domain.Extraction;

/// <summary>
/// The wording around a figure as the model reads it: adjacent pairs of ideographs before the figure (within its
/// clause, <see cref="ReportExtractor.BeforeReach"/> characters) and after it, and the buckets numbers fall in.
/// </summary>
internal static class Wording
{
    internal static string Bucket(int value, params int[] edges)
    {
        foreach (var edge in edges)
        {
            if (value < edge)
            {
                return "<" + edge.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return ">=" + edges[^1].ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static int WordingStart(string s, NumberToken token)
    {
        var start = token.Start;
        while (start > 0 && token.Start - start < ReportExtractor.BeforeReach && !CueBook.IsBreak(s[start - 1]))
        {
            start--;
        }

        return start;
    }

    internal static int WordingEnd(string s, NumberToken token)
    {
        var end = token.End;
        while (end < s.Length && end - token.End < ReportExtractor.AfterReach && !CueBook.IsBreak(s[end]))
        {
            end++;
        }

        return end;
    }

    /// <summary>Adjacent pairs of ideographs as features ("b:学法"), each name made once and kept in <paramref name="names"/>.</summary>
    internal static void Pairs(ReadOnlySpan<char> span, char side, List<string> into, Dictionary<string, string> names)
    {
        var lookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> key = stackalloc char[4];
        key[0] = side;
        key[1] = ':';
        for (var i = 0; i + 1 < span.Length; i++)
        {
            if (IsIdeograph(span[i]) && IsIdeograph(span[i + 1]))
            {
                key[2] = span[i];
                key[3] = span[i + 1];
                if (!lookup.TryGetValue(key, out var name))
                {
                    name = key.ToString();
                    names[name] = name;
                }

                into.Add(name);
            }
        }
    }

    /// <summary>Adjacent pairs of ideographs, each with a prefix (none for a vocabulary).</summary>
    internal static void Pairs(ReadOnlySpan<char> span, string prefix, List<string> into)
    {
        for (var i = 0; i + 1 < span.Length; i++)
        {
            if (IsIdeograph(span[i]) && IsIdeograph(span[i + 1]))
            {
                into.Add(string.Concat(prefix, span.Slice(i, 2)));
            }
        }
    }

    internal static bool IsIdeograph(char c) => c >= '\u4E00' && c <= '\u9FFF';
}

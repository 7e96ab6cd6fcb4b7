using System.Text;

namespace Assessment.Domain.Extraction;

/// <summary>
/// Report text prepared for matching: full-width forms folded to half-width, all white space removed (PDF-to-text
/// output breaks lines, even blank lines, inside sentences and puts spaces around numbers), thousands separators
/// dropped. <see cref="Map"/> leads every character back to its offset in the original, so evidence is quoted verbatim.
/// </summary>
public sealed class NormalizedText
{
    private NormalizedText(string text, int[] map, int originalLength)
    {
        Text = text;
        Map = map;
        OriginalLength = originalLength;
    }

    public string Text { get; }

    /// <summary>Original offset of each normalized character.</summary>
    public int[] Map { get; }

    public int OriginalLength { get; }

    /// <summary>The original span [start, end) covering normalized [from, to).</summary>
    public (int Start, int End) Original(int from, int to) => (Map[from], to <= from ? Map[from] : Map[to - 1] + 1);

    public static NormalizedText From(string original)
    {
        var sb = new StringBuilder(original.Length);
        var map = new List<int>(original.Length);
        for (var i = 0; i < original.Length; i++)
        {
            var c = original[i];
            if (c is >= '\uFF01' and <= '\uFF5E')
            {
                c = (char)(c - 0xFEE0); // full-width ASCII → half-width
            }

            if (char.IsWhiteSpace(c) || c == '\u3000')
            {
                continue;
            }

            // "1,075" → "1075", but "11件,合同17件" keeps its comma (a clause break in half-width texts).
            if (c == ',' && sb.Length > 0 && char.IsAsciiDigit(sb[^1]) && NextNonSpace(original, i + 1) is { } next && char.IsAsciiDigit(next)
                && DigitsAhead(original, i + 1) == 3)
            {
                continue;
            }

            sb.Append(c);
            map.Add(i);
        }

        return new NormalizedText(sb.ToString(), [.. map], original.Length);
    }

    private static char? NextNonSpace(string s, int from)
    {
        for (var i = from; i < s.Length; i++)
        {
            if (!char.IsWhiteSpace(s[i]))
            {
                return s[i];
            }
        }

        return null;
    }

    private static int DigitsAhead(string s, int from)
    {
        var n = 0;
        for (var i = from; i < s.Length && (char.IsAsciiDigit(s[i]) || char.IsWhiteSpace(s[i])); i++)
        {
            if (char.IsAsciiDigit(s[i]))
            {
                n++;
            }
        }

        return n;
    }
}

using System.Text;

namespace Assessment.Domain.Keys;

/// <summary>
/// Text people write for other people (notes, reasons, evidence): line breaks and tabs are kept, but no NUL or other
/// control characters, no unpaired surrogates, and no bidi embedding, override or isolate controls, which could make
/// a reason display as something else in a bulletin or a browser. Lengths count code points, not UTF-16 units.
/// </summary>
public static class FreeText
{
    /// <summary>Why the text is refused, or null when it is acceptable (an empty text is acceptable here).</summary>
    public static string? Problem(string? text, int maxCodePoints)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.Length > maxCodePoints * 2)
        {
            return $"不超过 {maxCodePoints} 字";
        }

        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "含无效的 UTF-16 代理字符";
            }
            else if (IsForbidden(c))
            {
                return $"不能包含字符 U+{(int)c:X4}（控制字符或双向文字控制字符）";
            }

            count++;
        }

        return count > maxCodePoints ? $"不超过 {maxCodePoints} 字" : null;
    }

    /// <summary>Controls other than line breaks and tabs, and the bidi embedding/override/isolate marks.</summary>
    public static bool IsForbidden(char c) =>
        (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069'
        || c is '\u061C' or '\u200E' or '\u200F' or '\uFEFF';

    /// <summary>True when the text is at most <paramref name="maxCodePoints"/> code points (surrogate pairs count once).</summary>
    public static bool FitsCodePoints(string text, int maxCodePoints)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            if (++count > maxCodePoints)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>UTF-8 length, for limits that bound storage rather than reading.</summary>
    public static int Utf8Bytes(string text) => Encoding.UTF8.GetByteCount(text);
}

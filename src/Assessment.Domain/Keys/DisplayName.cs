using System.Globalization;
using System.Text;

namespace Assessment.Domain.Keys;

/// <summary>
/// Names people read (tenants, counties, units, credentials): NFC-normalised, 1–64 printable characters, no angle
/// brackets, no control, format or bidi-override characters (which could make a name display as something else).
/// </summary>
public static class DisplayName
{
    public const int MaxLength = 64;

    /// <summary>The normalised name, or null with the reason it is refused.</summary>
    public static (string? Name, string? Problem) Check(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "名称不能为空");
        }

        if (!IsWellFormed(text))
        {
            return (null, "名称含无效字符");
        }

        // A bound on code points as well as on what a reader sees: one letter with 10,000 combining marks is a single
        // text element but 10,001 code points.
        if (text.Length > MaxLength * 4)
        {
            return (null, $"名称不超过 {MaxLength} 个字符");
        }

        var name = text.Trim().Normalize(NormalizationForm.FormC);
        var length = new StringInfo(name).LengthInTextElements;
        if (length > MaxLength || !FreeText.FitsCodePoints(name, MaxLength * 2) || FreeText.Utf8Bytes(name) > MaxLength * 4)
        {
            return (null, $"名称不超过 {MaxLength} 个字符");
        }

        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value is '<' or '>' || category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return (null, $"名称不能包含字符 U+{rune.Value:X4}（尖括号、控制字符、格式或双向文字控制字符）");
            }
        }

        return (name, null);
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Globalization;
using System.Text;

namespace Assessment.Domain.Evidence;

/// <summary>
/// A file name as the platform keeps it: the last part of whatever path was sent, NFC, without control, format (bidi
/// overrides, zero-width) or other invisible characters, trimmed of spaces and dots, and with an extension that names
/// its content. Names longer than <see cref="MaxChars"/> are refused rather than cut, so what the user sees is what
/// they sent.
/// </summary>
public static class EvidenceNames
{
    public const int MaxChars = 120;

    /// <summary>Longest raw name read at all (a path included).</summary>
    public const int MaxRawChars = 1024;

    /// <summary>The kept name, or the reason it cannot be kept (in Chinese).</summary>
    public static (string? Name, string? Problem) Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return (null, "须提供文件名");
        }

        if (raw.Length > MaxRawChars)
        {
            return (null, $"文件名连同路径过长（{raw.Length} 个字符；文件名至多 {MaxChars} 个字符）");
        }

        var last = raw.Split('/', '\\').Last();
        var name = new StringBuilder(last.Length);
        foreach (var rune in last.Normalize(NormalizationForm.FormC).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }

            // Characters Windows refuses in a file name: the name must save wherever it is downloaded.
            if (rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*')
            {
                name.Append('_');
                continue;
            }

            name.Append(category == UnicodeCategory.SpaceSeparator ? " " : rune.ToString());
        }

        var kept = name.ToString().Trim(' ', '.');
        if (kept.Length == 0)
        {
            return (null, "文件名不能只由路径、空白或不可见字符组成");
        }

        if (new StringInfo(kept).LengthInTextElements > MaxChars)
        {
            return (null, $"文件名过长（{new StringInfo(kept).LengthInTextElements} 个字符，至多 {MaxChars} 个）");
        }

        return (kept, null);
    }

    /// <summary>The name's extension in lower case ("" when none).</summary>
    public static string Extension(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot <= 0 ? "" : name[dot..].ToLowerInvariant();
    }

    /// <summary>
    /// The name for content of <paramref name="kind"/>: unchanged when its extension is one of the kind's, with the
    /// kind's extension added when it has none (or one no accepted kind uses, like ".scan"), refused when it claims
    /// another accepted kind (a ".pdf" that is a ZIP).
    /// </summary>
    public static (string? Name, string? Problem) ForKind(string name, EvidenceKind kind)
    {
        var extension = Extension(name);
        if (kind.Extensions().Contains(extension, StringComparer.Ordinal))
        {
            return (name, null);
        }

        if (extension.Length > 0 && EvidenceKinds.Claimed(extension) is { } claimed)
        {
            return (null, $"文件名为 {extension}（{claimed.Describe()}），内容却是{kind.Describe()}：请核对文件后重新上传");
        }

        var withExtension = name + kind.Extensions()[0];
        return new StringInfo(withExtension).LengthInTextElements > MaxChars + 5
            ? (null, $"文件名过长（至多 {MaxChars} 个字符）")
            : (withExtension, null);
    }
}

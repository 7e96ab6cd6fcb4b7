using System.Net;

namespace Assessment.Bulletins;

/// <summary>
/// A recipient's personal copy of an issued bulletin: the stored document with a watermark of the recipient's name,
/// office and the time it was sent to them. The issued document (and its hash) stays as stored; the copy is a
/// function of it and the recipient, so every reading of the same copy has the same bytes.
/// </summary>
public static class PersonalCopy
{
    public static string Html(string issued, string person, string office, DateTimeOffset sentAt)
    {
        var mark = $"{WebUtility.HtmlEncode(person)}　{WebUtility.HtmlEncode(office)}<br>{Stamp(sentAt)} 分发";
        // Fixed-position elements repeat on every printed page; the mark never takes pointer events or layout space.
        var watermark =
            "<div aria-hidden=\"true\" style=\"position:fixed;inset:0;display:flex;align-items:center;justify-content:center;pointer-events:none;z-index:30\">" +
            $"<div style=\"transform:rotate(-30deg);font:22pt/1.6 'Noto Sans CJK SC','SimHei',sans-serif;color:rgba(0,0,0,.09);text-align:center;white-space:nowrap\">{mark}</div></div>";
        var line = $"<p class=\"personal-copy\" style=\"font-size:10.5pt;color:#666;text-align:right;text-indent:0\">本件分发：{WebUtility.HtmlEncode(person)}（{WebUtility.HtmlEncode(office)}），{Stamp(sentAt)}</p>";
        // The distribution line belongs with the 版记 at the foot of the last page, not on a page after it.
        var colophon = issued.IndexOf("<footer class=\"colophon\">", StringComparison.Ordinal);
        if (colophon >= 0)
        {
            var at = colophon + "<footer class=\"colophon\">".Length;
            issued = issued[..at] + line + issued[at..];
            line = "";
        }

        var end = issued.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? issued + watermark + line : issued[..end] + watermark + line + issued[end..];
    }

    public static string Markdown(string issued, string person, string office, DateTimeOffset sentAt) =>
        $"> 本件分发：{EscapingTemplateContext.EscapeMarkdown(person)}（{EscapingTemplateContext.EscapeMarkdown(office)}），{Stamp(sentAt)}\n\n" + issued;

    /// <summary>Beijing time, to the minute.</summary>
    public static string Stamp(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}

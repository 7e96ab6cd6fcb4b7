using System.Net;
using System.Text;
using Scriban;
using Scriban.Parsing;

namespace Assessment.Bulletins;

/// <summary>
/// A template context that escapes every value a template prints for the output format, so escaping does not depend
/// on template authors remembering a filter. Literal template text is written as is.
/// </summary>
internal sealed class EscapingTemplateContext(BulletinFormat format) : TemplateContext
{
    public override TemplateContext Write(SourceSpan span, object? textAsObject)
    {
        if (textAsObject is null)
        {
            return this;
        }

        if (textAsObject is TrustedMarkup markup)
        {
            // The platform's own charts: HTML only; a Markdown bulletin carries their text alternatives instead.
            Write(format == BulletinFormat.Html ? markup.Markup : "");
            return this;
        }

        var text = ObjectToString(textAsObject);
        if (text is not null)
        {
            Write(format == BulletinFormat.Html ? WebUtility.HtmlEncode(text) : EscapeMarkdown(text));
        }

        return this;
    }

    /// <summary>
    /// Escapes Markdown syntax with backslashes and HTML with entities (Markdown passes raw HTML through), and folds
    /// line breaks so a value cannot start a heading, list or table row.
    /// </summary>
    internal static string EscapeMarkdown(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '\r' or '\n': sb.Append(' '); break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '|' or '!' or '~':
                    sb.Append('\\').Append(c);
                    break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}

using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Assessment.Documents;

/// <summary>
/// A saved web page: only the article, not the site around it. Menus, headers, footers, scripts and forms are
/// dropped; the article is the element whose paragraphs carry the most text; tables become sentences.
/// </summary>
internal static class HtmlReport
{
    private static readonly string[] Chrome = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "select", "button"];
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase) { "P", "DIV", "H1", "H2", "H3", "H4", "H5", "H6", "LI", "SECTION", "ARTICLE", "BR", "TR" };

    /// <summary>Deepest element nesting read; real pages nest a few dozen deep, and the HTML parser slows with depth.</summary>
    public const int MaxDepth = 1_000;

    public static ReportText Read(string html, DocumentLimits limits)
    {
        if (Depth(html) > MaxDepth)
        {
            throw new DocumentException($"网页的元素嵌套超过 {MaxDepth} 层，不是正常的网页，不予读取。");
        }

        var parser = new HtmlParser(new HtmlParserOptions { IsScripting = false });
        using var document = parser.ParseDocument(html);
        foreach (var element in document.QuerySelectorAll(string.Join(",", Chrome)).ToList())
        {
            element.Remove();
        }

        var body = document.Body ?? throw new DocumentException("网页没有正文。");
        // The article: the element whose own paragraphs hold the most text (menus are lists of links, not paragraphs).
        var article = body.Descendants<IElement>()
            .Where(e => e.LocalName is "article" or "main" or "div" or "section" or "td")
            .Select(e => (Element: e, Score: e.Children.Where(c => c.LocalName is "p" or "table" or "h1" or "h2" or "h3").Sum(c => c.TextContent.Length)))
            .OrderByDescending(x => x.Score)
            .Select(x => x.Element)
            .FirstOrDefault() ?? body;
        var text = new StringBuilder();
        Walk(article, text, limits);
        return new ReportText(text.ToString(), "html", [0]);
    }

    /// <summary>
    /// A quick upper bound of the nesting before parsing: opening tags not closed yet, void elements and comments aside.
    /// It can only overestimate for pages that leave elements unclosed, which real pages do only a little.
    /// </summary>
    private static int Depth(string html)
    {
        int depth = 0, max = 0;
        for (var i = html.IndexOf('<', StringComparison.Ordinal); i >= 0 && i + 1 < html.Length; i = html.IndexOf('<', i + 1))
        {
            var next = html[i + 1];
            if (next == '/')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (char.IsAsciiLetter(next) && !IsVoid(html.AsSpan(i + 1)))
            {
                max = Math.Max(max, ++depth);
            }
        }

        return max;
    }

    private static bool IsVoid(ReadOnlySpan<char> tag)
    {
        foreach (var name in VoidElements)
        {
            if (tag.StartsWith(name, StringComparison.OrdinalIgnoreCase) && (tag.Length == name.Length || !char.IsAsciiLetterOrDigit(tag[name.Length])))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly string[] VoidElements = ["br", "img", "meta", "link", "input", "hr", "area", "base", "col", "embed", "source", "track", "wbr", "p", "li", "td", "th", "tr", "option"];

    private static void Walk(INode node, StringBuilder text, DocumentLimits limits)
    {
        // An explicit stack: a page nested 100,000 elements deep must not exhaust the thread's stack.
        var stack = new Stack<(INode Node, bool Close)>();
        stack.Push((node, false));
        while (stack.Count > 0)
        {
            var (current, close) = stack.Pop();
            if (close)
            {
                text.Append('\n');
                continue;
            }

            if (text.Length > limits.MaxCharacters)
            {
                throw new DocumentException($"网页文字过长（上限 {limits.MaxCharacters} 字符）。");
            }

            switch (current)
            {
                case IText t:
                    text.Append(t.Data);
                    continue;
                case IHtmlTableElement table:
                    TableText.Append(table.Rows.Select(r => (IReadOnlyList<string>)r.Cells.Select(c => c.TextContent).ToList()).ToList(), text);
                    continue;
                case IElement e when Blocks.Contains(e.TagName):
                    stack.Push((current, true));
                    break;
            }

            for (var i = current.ChildNodes.Length - 1; i >= 0; i--)
            {
                stack.Push((current.ChildNodes[i], false));
            }
        }
    }
}

using System.Diagnostics;
using System.Text;
using Assessment.Workbooks;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Assessment.Documents;

/// <summary>A report that cannot be read; the message says why and what to do, in Chinese.</summary>
public sealed class DocumentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How much of a report file is read before it is refused.</summary>
public sealed record DocumentLimits(long MaxBytes, int MaxPages, int MaxCharacters, TimeSpan Budget)
{
    /// <summary>20 MB, 200 pages, 2 million characters, 10 s: an annual report is a few dozen pages.</summary>
    public static readonly DocumentLimits Default = new(20 * 1024 * 1024, 200, 2_000_000, TimeSpan.FromSeconds(10));
}

/// <summary>A report's text as the extractor reads it; for a PDF, where each page starts in it.</summary>
public sealed record ReportText(string Text, string Format, IReadOnlyList<int> PageStarts)
{
    /// <summary>The 1-based page holding a text offset (1 for formats without pages).</summary>
    public int PageOf(int offset)
    {
        var page = 1;
        for (var i = 1; i < PageStarts.Count && PageStarts[i] <= offset; i++)
        {
            page = i + 1;
        }

        return page;
    }
}

/// <summary>
/// Reads an annual report in the formats counties have: plain text (UTF-8, UTF-16 with a byte-order mark, GB18030),
/// PDF with a text layer, Word (.docx) and a saved web page. Tables become sentences that name their row and column
/// (“法律援助案件数量12件”) so a figure in a cell keeps its meaning. Every format is read with limits.
/// </summary>
public static class ReportReader
{
    static ReportReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static ReportText Read(byte[] bytes, string fileName, DocumentLimits? limits = null)
    {
        limits ??= DocumentLimits.Default;
        if (bytes.Length > limits.MaxBytes)
        {
            throw new DocumentException($"文件过大（{bytes.Length / 1024 / 1024} MB，上限 {limits.MaxBytes / 1024 / 1024} MB）。");
        }

        var extension = Path.GetExtension(fileName).ToUpperInvariant();
        ReportText report;
        try
        {
            report = bytes.AsSpan().StartsWith("%PDF"u8) ? Pdf(bytes, limits)
                : bytes.AsSpan().StartsWith("PK"u8) ? Docx(bytes, limits)
                : extension is ".DOC" or ".WPS" || Starts(bytes, 0xD0, 0xCF, 0x11, 0xE0) ? throw new DocumentException("这是旧版 Word 文件（.doc），请另存为 .docx 或 PDF 后再读取。")
                : Decode(bytes) is var text && (extension is ".HTM" or ".HTML" || LooksLikeHtml(text)) ? HtmlReport.Read(text, limits)
                : new ReportText(text, "text", [0]);
        }
        catch (WorkbookException ex)
        {
            throw new DocumentException(ex.Message.Replace("Excel 工作簿（.xlsx）", "Word 文档（.docx）", StringComparison.Ordinal));
        }

        return report.Text.Length > limits.MaxCharacters
            ? throw new DocumentException($"报告文字过长（{report.Text.Length} 字符，上限 {limits.MaxCharacters}）。")
            : report with { Text = UnifyRadicals(report.Text) };
    }

    /// <summary>
    /// The simplified-form radicals of the CJK Radicals Supplement, which have no Unicode decomposition, each followed by
    /// the ideograph it looks like (⻔ 门, ⻘ 青, ⻓ 长 …).
    /// </summary>
    private const string SimplifiedRadicals = "⻉贝⻋车⻅见⻆角⻓长⻔门⻘青⻙韦⻚页⻛风⻜飞⻝食⻢马⻥鱼⻦鸟⻩黄⻬齐⻮齿⻰龙⻳龟⻄西⻤鬼⻧卤⻨麦⻭齿";

    /// <summary>
    /// PDF fonts often map CJK characters to their Kangxi-radical look-alikes (⽭ U+2F6D for 矛): each becomes its unified
    /// ideograph, one character for one, so offsets stay valid.
    /// </summary>
    public static string UnifyRadicals(string text)
    {
        if (!text.Any(c => c is >= '\u2E80' and <= '\u2FDF'))
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is >= '\u2E80' and <= '\u2FDF')
            {
                if (chars[i].ToString().Normalize(NormalizationForm.FormKC) is { Length: 1 } unified && unified[0] != chars[i])
                {
                    chars[i] = unified[0];
                }
                else if (SimplifiedRadicals.IndexOf(chars[i]) is var at and >= 0)
                {
                    chars[i] = SimplifiedRadicals[at + 1];
                }
            }
        }

        return new string(chars);
    }

    /// <summary>UTF-8 or UTF-16 by byte-order mark, else UTF-8 if it is valid, else GB18030; invalid text is refused.</summary>
    public static string Decode(byte[] bytes)
    {
        try
        {
            if (Starts(bytes, 0xFF, 0xFE))
            {
                return new UnicodeEncoding(false, false, true).GetString(bytes, 2, bytes.Length - 2);
            }

            if (Starts(bytes, 0xFE, 0xFF))
            {
                return new UnicodeEncoding(true, false, true).GetString(bytes, 2, bytes.Length - 2);
            }

            var offset = Starts(bytes, 0xEF, 0xBB, 0xBF) ? 3 : 0;
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes, offset, bytes.Length - offset);
            }
            catch (DecoderFallbackException) when (offset == 0)
            {
                return Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetString(bytes);
            }
        }
        catch (DecoderFallbackException)
        {
            throw new DocumentException("文件的文字编码无效（不是 UTF-8、UTF-16 或 GB18030 文本）：请另存为 UTF-8 文本、Word 或 PDF。");
        }
    }

    private static bool Starts(byte[] bytes, params byte[] prefix) => bytes.AsSpan().StartsWith(prefix);

    private static bool LooksLikeHtml(string text)
    {
        var head = text.AsSpan(0, Math.Min(text.Length, 1024)).TrimStart();
        return head.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The text layer page by page, in reading order; a PDF with (almost) no text is a scan and is refused.</summary>
    private static ReportText Pdf(byte[] bytes, DocumentLimits limits)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var document = PdfDocument.Open(bytes, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            if (document.NumberOfPages > limits.MaxPages)
            {
                throw new DocumentException($"PDF 共 {document.NumberOfPages} 页，超过 {limits.MaxPages} 页的上限：年度报告通常只有几十页，请只提交报告本身。");
            }

            var text = new StringBuilder();
            var starts = new List<int>();
            for (var i = 1; i <= document.NumberOfPages; i++)
            {
                if (clock.Elapsed > limits.Budget)
                {
                    throw new DocumentException($"PDF 读取超时（{limits.Budget.TotalSeconds:0} 秒内只读了 {i - 1} 页）：文件可能已损坏。");
                }

                starts.Add(text.Length);
                text.Append(TableText.FromLines(ContentOrderTextExtractor.GetText(document.GetPage(i)))).Append('\n');
                if (text.Length > limits.MaxCharacters)
                {
                    throw new DocumentException($"报告文字过长（上限 {limits.MaxCharacters} 字符）。");
                }
            }

            var letters = text.ToString().Count(char.IsLetter);
            if (letters < 20 * Math.Max(1, Math.Min(document.NumberOfPages, 5)))
            {
                throw new DocumentException("PDF 没有可读取的文字层（可能是扫描件或图片）：请提供可复制文字的 PDF、Word 或文本文件。");
            }

            return new ReportText(text.ToString(), "pdf", starts);
        }
        catch (DocumentException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new DocumentException("PDF 无法读取：文件已损坏或格式不受支持。", ex);
        }
    }

    private static ReportText Docx(byte[] bytes, DocumentLimits limits)
    {
        OfficePackage.Check(bytes, limits.MaxBytes, 2_000, 200L * 1024 * 1024, "Word 文档（.docx）");
        return new ReportText(WordReport.Read(bytes, limits), "docx", [0]);
    }
}

using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Assessment.Documents;

/// <summary>A .docx report's body in document order: paragraphs as lines, tables as sentences (<see cref="TableText"/>).</summary>
internal static class WordReport
{
    public static string Read(byte[] bytes, DocumentLimits limits)
    {
        try
        {
            using var document = WordprocessingDocument.Open(new MemoryStream(bytes, writable: false), false, new OpenSettings { MaxCharactersInPart = limits.MaxCharacters * 10L });
            var body = document.MainDocumentPart?.Document?.Body ?? throw new DocumentException("Word 文档没有正文。");
            var text = new StringBuilder();
            foreach (var element in body.ChildElements)
            {
                switch (element)
                {
                    case Paragraph paragraph:
                        text.Append(paragraph.InnerText).Append('\n');
                        break;
                    case Table table:
                        TableText.Append(table.Elements<TableRow>()
                            .Select(r => (IReadOnlyList<string>)r.Elements<TableCell>().Select(c => string.Join("", c.Elements<Paragraph>().Select(p => p.InnerText))).ToList())
                            .ToList(), text);
                        break;
                }

                if (text.Length > limits.MaxCharacters)
                {
                    throw new DocumentException($"报告文字过长（上限 {limits.MaxCharacters} 字符）。");
                }
            }

            return text.ToString();
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException or InvalidOperationException or FileFormatException)
        {
            throw new DocumentException($"Word 文档无法读取：{Assessment.Workbooks.WorkbookException.Reason(ex)}。", ex);
        }
    }
}

using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Workbooks;

/// <summary>The cell styles the platform's workbooks use, by their index in the stylesheet.</summary>
public enum SheetStyle : uint
{
    Plain = 0,
    Title = 1,
    Header = 2,
    Text = 3,
    Number = 4,
    Input = 5,
    Note = 6,
}

/// <summary>
/// Builds the platform's workbooks with the Open XML SDK: one stylesheet (title, header, bordered text and numbers,
/// unlocked yellow input cells), inline strings, column widths sized for CJK text, a frozen header.
/// </summary>
public sealed class SheetBuilder
{
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private readonly List<(uint Number, (object? Value, SheetStyle Style)[] Cells)> _rows = [];
    private readonly List<double> _widths = [];

    /// <summary>Appends a row of cells from column A; null leaves a cell empty but styled.</summary>
    public void Add(uint number, SheetStyle style, params object?[] values) => Add(number, values.Select(v => (v, style)).ToArray());

    public void Add(uint number, params (object? Value, SheetStyle Style)[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i].Value is { } value and not (double or int or long or decimal))
            {
                Fit(i, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", cells[i].Style);
            }
        }

        _rows.Add((number, cells));
    }

    /// <summary>
    /// Writes the sheet into <paramref name="part"/> as a stream of elements (no document tree is built: a workbook
    /// costs its bytes, not a tree per cell): the view with rows above <paramref name="frozenAbove"/> frozen, the column
    /// widths when <paramref name="columns"/>, the rows, then <paramref name="after"/> in the order the schema wants them.
    /// </summary>
    public void WriteTo(WorksheetPart part, uint? frozenAbove = null, bool columns = true, params OpenXmlElement[] after)
    {
        using var writer = OpenXmlWriter.Create(part);
        writer.WriteStartElement(new Worksheet());
        if (frozenAbove is { } first)
        {
            writer.WriteElement(FrozenAbove(first));
        }

        if (columns && _widths.Count > 0)
        {
            writer.WriteElement(Columns());
        }

        writer.WriteStartElement(new SheetData());
        Row row = new();
        Cell cell = new();
        CellValue value = new();
        InlineString inline = new();
        Text text = new();
        OpenXmlAttribute[] preserve = [new("xml", "space", XmlNamespace, "preserve")];
        var attributes = new List<OpenXmlAttribute>(3);
        foreach (var (number, cells) in _rows)
        {
            var index = number.ToString(CultureInfo.InvariantCulture);
            writer.WriteStartElement(row, [new OpenXmlAttribute("r", "", index)]);
            for (var i = 0; i < cells.Length; i++)
            {
                var (content, style) = cells[i];
                attributes.Clear();
                attributes.Add(new OpenXmlAttribute("r", "", WorkbookReader.ColumnName(i + 1) + index));
                attributes.Add(new OpenXmlAttribute("s", "", ((uint)style).ToString(CultureInfo.InvariantCulture)));
                switch (content)
                {
                    case null:
                        writer.WriteStartElement(cell, attributes);
                        break;
                    case double or int or long or decimal:
                        writer.WriteStartElement(cell, attributes);
                        writer.WriteStartElement(value);
                        writer.WriteString(Convert.ToDouble(content, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                        writer.WriteEndElement();
                        break;
                    default:
                        attributes.Add(new OpenXmlAttribute("t", "", "inlineStr"));
                        writer.WriteStartElement(cell, attributes);
                        writer.WriteStartElement(inline);
                        writer.WriteStartElement(text, preserve);
                        writer.WriteString(Convert.ToString(content, CultureInfo.InvariantCulture) ?? "");
                        writer.WriteEndElement();
                        writer.WriteEndElement();
                        break;
                }

                writer.WriteEndElement();
            }

            writer.WriteEndElement();
        }

        writer.WriteEndElement();
        foreach (var element in after)
        {
            writer.WriteElement(element);
        }

        writer.WriteEndElement();
    }

    /// <summary>Sets a column's width in characters (CJK characters count twice).</summary>
    public void Width(int column, double width)
    {
        while (_widths.Count <= column)
        {
            _widths.Add(8);
        }

        _widths[column] = width;
    }

    private void Fit(int column, string text, SheetStyle style)
    {
        if (style is SheetStyle.Title or SheetStyle.Note)
        {
            return; // spans several columns
        }

        var width = Math.Min(60, 2 + text.Sum(c => c > 0x2E80 ? 2.1 : 1.1));
        while (_widths.Count <= column)
        {
            _widths.Add(8);
        }

        _widths[column] = Math.Max(_widths[column], width);
    }

    public Columns Columns()
    {
        var columns = new Columns();
        for (var i = 0; i < _widths.Count; i++)
        {
            columns.Append(new Column { Min = (uint)(i + 1), Max = (uint)(i + 1), Width = _widths[i], CustomWidth = true });
        }

        return columns;
    }

    /// <summary>A view with every row above <paramref name="firstDataRow"/> frozen.</summary>
    public static SheetViews FrozenAbove(uint firstDataRow) => new(new SheetView(new Pane
    {
        VerticalSplit = firstDataRow - 1,
        TopLeftCell = "A" + firstDataRow.ToString(CultureInfo.InvariantCulture),
        ActivePane = PaneValues.BottomLeft,
        State = PaneStateValues.Frozen,
    })
    { WorkbookViewId = 0 });

    /// <summary>Writes a workbook of this one sheet: the platform's styles, the column widths, rows above <paramref name="firstDataRow"/> frozen.</summary>
    public void Save(Stream output, string sheetName, uint firstDataRow)
    {
        using var document = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = NewWorkbook(document);
        var worksheet = workbook.AddNewPart<WorksheetPart>();
        WriteTo(worksheet, firstDataRow);
        workbook.Workbook.Append(new Sheets(new Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = 1, Name = sheetName }));
    }

    /// <summary>Creates the workbook part with the platform's stylesheet.</summary>
    public static WorkbookPart NewWorkbook(SpreadsheetDocument document)
    {
        var workbook = document.AddWorkbookPart();
        workbook.Workbook = new Workbook();
        var styles = workbook.AddNewPart<WorkbookStylesPart>();
        styles.Stylesheet = new Stylesheet(
            new Fonts(
                new Font(new FontSize { Val = 11 }, new FontName { Val = "等线" }),
                new Font(new Bold(), new FontSize { Val = 14 }, new FontName { Val = "等线" }),
                new Font(new Bold(), new FontSize { Val = 11 }, new FontName { Val = "等线" }),
                new Font(new FontSize { Val = 10 }, new Color { Rgb = "FF595959" }, new FontName { Val = "等线" }))
            { Count = 4 },
            new Fills(
                new Fill(new PatternFill { PatternType = PatternValues.None }),
                new Fill(new PatternFill { PatternType = PatternValues.Gray125 }),
                new Fill(new PatternFill(new ForegroundColor { Rgb = "FFD9E1F2" }) { PatternType = PatternValues.Solid }),
                new Fill(new PatternFill(new ForegroundColor { Rgb = "FFFFF2CC" }) { PatternType = PatternValues.Solid }))
            { Count = 4 },
            new Borders(
                new Border(),
                new Border(
                    new LeftBorder { Style = BorderStyleValues.Thin },
                    new RightBorder { Style = BorderStyleValues.Thin },
                    new TopBorder { Style = BorderStyleValues.Thin },
                    new BottomBorder { Style = BorderStyleValues.Thin },
                    new DiagonalBorder()))
            { Count = 2 },
            new CellFormats(
                new CellFormat(),
                new CellFormat { FontId = 1, ApplyFont = true },
                new CellFormat(new Alignment { WrapText = true, Vertical = VerticalAlignmentValues.Center, Horizontal = HorizontalAlignmentValues.Center })
                { FontId = 2, FillId = 2, BorderId = 1, ApplyFont = true, ApplyFill = true, ApplyBorder = true, ApplyAlignment = true },
                new CellFormat(new Alignment { WrapText = true, Vertical = VerticalAlignmentValues.Center }) { BorderId = 1, ApplyBorder = true, ApplyAlignment = true },
                new CellFormat { BorderId = 1, ApplyBorder = true },
                new CellFormat(new Protection { Locked = false }) { FillId = 3, BorderId = 1, ApplyFill = true, ApplyBorder = true, ApplyProtection = true },
                new CellFormat(new Alignment { WrapText = false }) { FontId = 3, ApplyFont = true })
            { Count = 7 });
        return workbook;
    }
}

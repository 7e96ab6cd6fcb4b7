using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Workbooks;

/// <summary>A workbook that cannot be read at all; the message says why and what to do, in Chinese.</summary>
public sealed class WorkbookException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// Why a library refused a file, in words for the person who sent it; the library's own (English) text stays in the
    /// inner exception, for the log and <c>--verbose</c>.
    /// </summary>
    public static string Reason(Exception ex) => ex switch
    {
        System.Xml.XmlException x when x.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) => "含有文档类型定义（DTD），为安全起见不予受理",
        System.Xml.XmlException => "内部的 XML 结构有误",
        InvalidDataException => "压缩结构已损坏",
        DocumentFormat.OpenXml.Packaging.OpenXmlPackageException => "不是有效的 Office 文件包",
        FileFormatException => "不是有效的 Office 文件包",
        InvalidOperationException when ex.Message.Contains("exceed", StringComparison.OrdinalIgnoreCase) => "单个部件超过大小上限",
        _ => "文件已损坏或不受支持",
    };
}

/// <summary>How much of a workbook is read before it is refused.</summary>
public sealed record WorkbookLimits(long MaxFileBytes, int MaxRows, long MaxUnpackedBytes, int MaxEntries, int MaxCharactersInPart)
{
    /// <summary>A fill-in form: a few dozen rows.</summary>
    public static readonly WorkbookLimits Form = new(5 * 1024 * 1024, 2_000, 100L * 1024 * 1024, 200, 20_000_000);

    /// <summary>A prefecture's table: one row per unit, a few thousand at most.</summary>
    public static readonly WorkbookLimits Import = new(50 * 1024 * 1024, 20_000, 400L * 1024 * 1024, 500, 100_000_000);
}

/// <summary>What a cell holds, as the person who filled it in sees it.</summary>
public enum CellKind
{
    Empty,
    Number,
    Text,
    Boolean,
    Error,
}

/// <summary>
/// One cell. <see cref="Text"/> is the text (shared or inline string, or the number as typed); a number carries its
/// cell format's nature: <see cref="IsDate"/> and <see cref="IsPercent"/>. A formula cell carries its cached result and
/// <see cref="Formula"/>; <see cref="ExternalFormula"/> when it reaches into another workbook.
/// </summary>
public sealed record SheetCell(int Row, int Column, CellKind Kind, string Text, double Number, bool IsDate, bool IsPercent, string? Formula, bool ExternalFormula)
{
    public string Reference => WorkbookReader.ColumnName(Column) + Row.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One row: its number in the sheet, whether it is hidden, and its non-empty cells.</summary>
public sealed record SheetRow(int Number, bool Hidden, IReadOnlyList<SheetCell> Cells)
{
    public SheetCell? this[int column] => Cells.FirstOrDefault(c => c.Column == column);
}

/// <summary>A sheet read whole (within the limits): its rows and its merged ranges.</summary>
public sealed record SheetContent(string Name, IReadOnlyList<SheetRow> Rows, IReadOnlyList<(int FromRow, int FromColumn, int ToRow, int ToColumn)> Merged)
{
    public bool IsMerged(int row, int column) => Merged.Any(m => row >= m.FromRow && row <= m.ToRow && column >= m.FromColumn && column <= m.ToColumn);
}

/// <summary>
/// Reads .xlsx files defensively: the package is checked before the Open XML SDK opens it (size, entry count, unpacked
/// size and ratio, macros), sheets are streamed with a row limit, XML parts are capped in characters, and formulas are
/// never evaluated — a cached result is used, and a formula that reaches into another workbook is reported.
/// </summary>
public sealed class WorkbookReader : IDisposable
{
    private readonly SpreadsheetDocument _document;
    private readonly WorkbookLimits _limits;
    private readonly string[] _strings;
    private readonly (bool Date, bool Percent)[] _formats;

    private WorkbookReader(SpreadsheetDocument document, WorkbookLimits limits)
    {
        _document = document;
        _limits = limits;
        var part = document.WorkbookPart ?? throw new WorkbookException("文件不是 Excel 工作簿（缺少工作簿内容）。");
        _strings = ReadStrings(part.SharedStringTablePart);
        _formats = ReadFormats(part.WorkbookStylesPart);
    }

    /// <summary>Opens a workbook from its bytes after checking the package; throws <see cref="WorkbookException"/>.</summary>
    public static WorkbookReader Open(byte[] bytes, WorkbookLimits limits)
    {
        OfficePackage.Check(bytes, limits.MaxFileBytes, limits.MaxEntries, limits.MaxUnpackedBytes, "Excel 工作簿（.xlsx）");
        try
        {
            var document = SpreadsheetDocument.Open(new MemoryStream(bytes, writable: false), false, new OpenSettings
            {
                MaxCharactersInPart = limits.MaxCharactersInPart,
                AutoSave = false,
            });
            return new WorkbookReader(document, limits);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException or InvalidOperationException or FileFormatException)
        {
            throw new WorkbookException($"无法读取该工作簿：{WorkbookException.Reason(ex)}。", ex);
        }
    }

    /// <summary>
    /// Runs a whole read of a workbook so that whatever the Open XML SDK throws on a broken part it loads lazily (the
    /// workbook, styles, a sheet) ends as a <see cref="WorkbookException"/> in Chinese, the library's text kept inside.
    /// </summary>
    public static T Guarded<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or System.Xml.XmlException or InvalidOperationException or FileFormatException)
        {
            throw new WorkbookException($"无法读取该工作簿：{WorkbookException.Reason(ex)}。", ex);
        }
    }

    /// <summary>The visible sheets' names in workbook order, and the hidden ones.</summary>
    public IReadOnlyList<(string Name, SheetStateValues State)> Sheets =>
        _document.WorkbookPart!.Workbook.Sheets?.Elements<Sheet>().Select(s => (s.Name?.Value ?? "", s.State?.Value ?? SheetStateValues.Visible)).ToList() ?? [];

    /// <summary>Reads a sheet by name (null: the first visible sheet), or null when there is no such sheet.</summary>
    public SheetContent? Read(string? name = null)
    {
        var part = _document.WorkbookPart!;
        var sheet = part.Workbook.Sheets?.Elements<Sheet>().FirstOrDefault(s => name is null
            ? (s.State?.Value ?? SheetStateValues.Visible) == SheetStateValues.Visible
            : s.Name?.Value == name);
        if (sheet?.Id?.Value is not { } id || part.GetPartById(id) is not WorksheetPart worksheet)
        {
            return null;
        }

        var rows = new List<SheetRow>();
        var merged = new List<(int, int, int, int)>();
        try
        {
            using var reader = OpenXmlReader.Create(worksheet);
            while (reader.Read())
            {
                if (reader.ElementType == typeof(Row) && reader.IsStartElement)
                {
                    if (rows.Count >= _limits.MaxRows)
                    {
                        throw new WorkbookException($"工作表“{sheet.Name}”超过 {_limits.MaxRows} 行，不予读取；请删除多余的行或分成几个文件。");
                    }

                    var row = (Row)reader.LoadCurrentElement()!;
                    var number = (int)(row.RowIndex?.Value ?? (uint)(rows.Count + 1));
                    var cells = new List<SheetCell>();
                    var next = 1;
                    foreach (var cell in row.Elements<Cell>())
                    {
                        var column = cell.CellReference?.Value is { } reference ? ColumnOf(reference) : next;
                        next = column + 1;
                        if (ReadCell(number, column, cell) is { } read)
                        {
                            cells.Add(read);
                        }
                    }

                    rows.Add(new SheetRow(number, row.Hidden?.Value == true, cells));
                }
                else if (reader.ElementType == typeof(MergeCell) && reader.IsStartElement)
                {
                    if (((MergeCell)reader.LoadCurrentElement()!).Reference?.Value is { } range && Range(range) is { } m)
                    {
                        merged.Add(m);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or InvalidDataException or OpenXmlPackageException or InvalidOperationException)
        {
            throw new WorkbookException($"工作表“{sheet.Name}”无法读取：{WorkbookException.Reason(ex)}。", ex);
        }

        return new SheetContent(sheet.Name?.Value ?? "", rows, merged);
    }

    private SheetCell? ReadCell(int row, int column, Cell cell)
    {
        var formula = cell.CellFormula?.Text;
        var external = formula is not null && formula.Contains('[', StringComparison.Ordinal);
        var raw = cell.CellValue?.Text;
        var type = cell.DataType?.Value;
        var (date, percent) = cell.StyleIndex?.Value is { } style && style < _formats.Length ? _formats[style] : (false, false);
        if (type == CellValues.InlineString)
        {
            return Text(cell.InlineString?.InnerText ?? "");
        }

        if (raw is null)
        {
            return formula is null ? null : new SheetCell(row, column, CellKind.Empty, "", 0, false, false, formula, external);
        }

        if (type == CellValues.SharedString)
        {
            return int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < _strings.Length
                ? Text(_strings[index])
                : throw new WorkbookException($"单元格 {ColumnName(column)}{row} 引用了不存在的文本，文件已损坏。");
        }

        if (type == CellValues.String)
        {
            return Text(raw);
        }

        if (type == CellValues.Boolean)
        {
            return new SheetCell(row, column, CellKind.Boolean, raw == "1" ? "TRUE" : "FALSE", raw == "1" ? 1 : 0, false, false, formula, external);
        }

        if (type == CellValues.Error)
        {
            return new SheetCell(row, column, CellKind.Error, raw, 0, false, false, formula, external);
        }

        return double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? new SheetCell(row, column, CellKind.Number, raw, number, date, percent, formula, external)
            : new SheetCell(row, column, CellKind.Error, raw, 0, false, false, formula, external);

        SheetCell Text(string text) => new(row, column, text.Length == 0 ? CellKind.Empty : CellKind.Text, text, 0, false, false, formula, external);
    }

    private string[] ReadStrings(SharedStringTablePart? part)
    {
        if (part is null)
        {
            return [];
        }

        var strings = new List<string>();
        try
        {
            using var reader = OpenXmlReader.Create(part);
            while (reader.Read())
            {
                if (reader.ElementType == typeof(SharedStringItem) && reader.IsStartElement)
                {
                    var item = (SharedStringItem)reader.LoadCurrentElement()!;
                    strings.Add(item.Text?.Text ?? string.Concat(item.Elements<Run>().Select(r => r.Text?.Text)));
                }
            }
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or InvalidDataException or OpenXmlPackageException or InvalidOperationException)
        {
            throw new WorkbookException($"工作簿的文本部分无法读取：{WorkbookException.Reason(ex)}。", ex);
        }

        return [.. strings];
    }

    /// <summary>For each cell style: whether its number format shows a date/time or a percentage.</summary>
    private static (bool Date, bool Percent)[] ReadFormats(WorkbookStylesPart? part)
    {
        var stylesheet = part?.Stylesheet;
        if (stylesheet?.CellFormats is null)
        {
            return [];
        }

        var custom = stylesheet.NumberingFormats?.Elements<NumberingFormat>()
            .Where(f => f.NumberFormatId?.Value is not null)
            .GroupBy(f => f.NumberFormatId!.Value)
            .ToDictionary(g => g.Key, g => g.First().FormatCode?.Value ?? "") ?? [];
        return stylesheet.CellFormats.Elements<CellFormat>().Select(f =>
        {
            var id = f.NumberFormatId?.Value ?? 0;
            return custom.TryGetValue(id, out var code) ? NumberFormats.Classify(code) : NumberFormats.Builtin(id);
        }).ToArray();
    }

    /// <summary>1 → A, 27 → AA.</summary>
    public static string ColumnName(int column)
    {
        var name = "";
        for (var c = column; c > 0; c = (c - 1) / 26)
        {
            name = (char)('A' + (c - 1) % 26) + name;
        }

        return name;
    }

    private static int ColumnOf(string reference)
    {
        var column = 0;
        foreach (var ch in reference)
        {
            if (ch is < 'A' or > 'Z')
            {
                break;
            }

            column = column * 26 + (ch - 'A' + 1);
            if (column > 16_384)
            {
                throw new WorkbookException($"单元格引用 {reference} 无效。");
            }
        }

        return column;
    }

    private static (int, int, int, int)? Range(string range)
    {
        var parts = range.Split(':');
        if (parts.Length != 2)
        {
            return null;
        }

        static (int Row, int Column) Point(string reference)
        {
            var column = ColumnOf(reference);
            var digits = reference.AsSpan(WorkbookReader.ColumnName(column).Length);
            return (int.TryParse(digits, out var row) ? row : 0, column);
        }

        var (r1, c1) = Point(parts[0]);
        var (r2, c2) = Point(parts[1]);
        return (r1, c1, r2, c2);
    }

    public void Dispose() => _document.Dispose();
}

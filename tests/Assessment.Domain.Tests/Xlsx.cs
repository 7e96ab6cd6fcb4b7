using System.IO.Compression;
using System.Text;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;
using Assessment.Domain.Scoring;
using Assessment.Workbooks;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Domain.Tests;

/// <summary>Makes workbooks for the tests: generated forms, forms edited the way people (and attackers) edit them.</summary>
internal static class Xlsx
{
    public static FormSheet UnitForm(int year = 2025, string scheme = "default@1") =>
        FormSheet(year, scheme, IndicatorSource.Unit);

    public static FormSheet CountyForm(int year = 2025) => FormSheet(year, "default@1", IndicatorSource.County);

    private static FormSheet FormSheet(int year, string scheme, IndicatorSource submitter)
    {
        var catalog = IndicatorCatalog.Default;
        var rows = FillInForm.Rows(catalog, submitter);
        var standards = SchemeTable.ByIndicator(SchemeLoader.Default(catalog), catalog);
        return new FormSheet(FillInForm.Identity(year, scheme, rows.Select(r => r.Code)), year, "测试县 一号单位", scheme,
            rows.Select(i => new FormSheetRow(i.Code, i.Name, catalog.Dimension(i.Dimension).Name, i.Kind, i.Unit ?? "", i.Code == "legalaid.cases" ? 7 : null, null,
                i.Guidance ?? "", standards.GetValueOrDefault(i.Code) ?? "")).ToList());
    }

    public static byte[] Write(FormSheet form)
    {
        using var stream = new MemoryStream();
        FormWorkbook.Write(form, stream);
        return stream.ToArray();
    }

    /// <summary>The sheet row of an indicator in a generated form.</summary>
    public static uint RowOf(FormSheet form, string code) => FormWorkbook.HeaderRow + 1 + (uint)form.Rows.ToList().FindIndex(r => r.Code == code);

    public static byte[] Edit(byte[] bytes, Action<WorkbookPart, Worksheet> edit, string sheet = FormWorkbook.SheetName)
    {
        using var stream = new MemoryStream();
        stream.Write(bytes);
        using (var document = SpreadsheetDocument.Open(stream, true))
        {
            var workbook = document.WorkbookPart!;
            var id = workbook.Workbook.Sheets!.Elements<Sheet>().First(s => s.Name == sheet).Id!.Value!;
            var part = (WorksheetPart)workbook.GetPartById(id);
            edit(workbook, part.Worksheet);
            part.Worksheet.Save();
        }

        return stream.ToArray();
    }

    /// <summary>Sets a cell: a number, text, or a formula with (or without) a cached value, in a style.</summary>
    public static Cell Set(Worksheet sheet, string reference, object? value, string? formula = null, uint? style = null)
    {
        var number = uint.Parse(reference.TrimStart('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z'), System.Globalization.CultureInfo.InvariantCulture);
        var data = sheet.GetFirstChild<SheetData>()!;
        var row = data.Elements<Row>().FirstOrDefault(r => r.RowIndex! == number);
        if (row is null)
        {
            row = new Row { RowIndex = number };
            data.Append(row);
        }

        var cell = row.Elements<Cell>().FirstOrDefault(c => c.CellReference == reference);
        if (cell is null)
        {
            cell = new Cell { CellReference = reference };
            var after = row.Elements<Cell>().LastOrDefault(c => string.CompareOrdinal(c.CellReference!.Value!.PadLeft(8), reference.PadLeft(8)) < 0);
            if (after is null)
            {
                row.PrependChild(cell);
            }
            else
            {
                after.InsertAfterSelf(cell);
            }
        }

        cell.RemoveAllChildren();
        cell.DataType = null;
        if (formula is not null)
        {
            cell.Append(new CellFormula(formula));
        }

        switch (value)
        {
            case null:
                break;
            case string text:
                cell.DataType = CellValues.InlineString;
                cell.Append(new InlineString(new Text(text)));
                break;
            case bool flag:
                cell.DataType = CellValues.Boolean;
                cell.Append(new CellValue(flag ? "1" : "0"));
                break;
            default:
                cell.Append(new CellValue(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
                break;
        }

        if (style is not null)
        {
            cell.StyleIndex = style;
        }

        return cell;
    }

    /// <summary>Adds a cell style with a number format (14 = date, 10 = 0.00%) and returns its index.</summary>
    public static uint AddStyle(WorkbookPart workbook, uint numberFormat)
    {
        var formats = workbook.WorkbookStylesPart!.Stylesheet.CellFormats!;
        formats.Append(new CellFormat { NumberFormatId = numberFormat, ApplyNumberFormat = true });
        formats.Count = (uint)formats.ChildElements.Count;
        workbook.WorkbookStylesPart.Stylesheet.Save();
        return formats.Count.Value - 1;
    }

    /// <summary>Adds a raw entry to the package (a macro project, an external link).</summary>
    public static byte[] AddEntry(byte[] bytes, string name, byte[] content, Func<string, string>? contentTypes = null)
    {
        using var stream = new MemoryStream();
        stream.Write(bytes);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            using (var entry = zip.CreateEntry(name).Open())
            {
                entry.Write(content);
            }

            if (contentTypes is not null)
            {
                var types = zip.GetEntry("[Content_Types].xml")!;
                string xml;
                using (var reader = new StreamReader(types.Open()))
                {
                    xml = reader.ReadToEnd();
                }

                types.Delete();
                using var writer = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open(), new UTF8Encoding(false));
                writer.Write(contentTypes(xml));
            }
        }

        return stream.ToArray();
    }

    /// <summary>Replaces one entry of the package with raw bytes (broken XML, a DTD, garbage).</summary>
    public static byte[] ReplaceEntry(byte[] bytes, string name, byte[] content)
    {
        using var stream = new MemoryStream();
        stream.Write(bytes);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(name)?.Delete();
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(content);
        }

        return stream.ToArray();
    }

    /// <summary>Replaces the form sheet's XML with <paramref name="rows"/> rows streamed in (a million rows stays small zipped).</summary>
    public static byte[] WithRows(byte[] bytes, int rows, string sheetPath = "xl/worksheets/sheet1.xml")
    {
        using var stream = new MemoryStream();
        stream.Write(bytes);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(sheetPath)!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(sheetPath, CompressionLevel.Fastest).Open(), new UTF8Encoding(false));
            writer.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>");
            for (var i = 1; i <= rows; i++)
            {
                writer.Write($"<row r=\"{i}\"><c r=\"G{i}\"><v>1</v></c></row>");
            }

            writer.Write("</sheetData></worksheet>");
        }

        return stream.ToArray();
    }

    /// <summary>A package whose sheet unpacks to <paramref name="megabytes"/> MB of spaces: tiny on disk, huge in memory.</summary>
    public static byte[] Bomb(byte[] bytes, int megabytes, string sheetPath = "xl/worksheets/sheet1.xml")
    {
        using var stream = new MemoryStream();
        stream.Write(bytes);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(sheetPath)!.Delete();
            using var entry = zip.CreateEntry(sheetPath, CompressionLevel.SmallestSize).Open();
            entry.Write("<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"u8);
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)' ');
            for (var i = 0; i < megabytes; i++)
            {
                entry.Write(block);
            }

            entry.Write("</sheetData></worksheet>"u8);
        }

        return stream.ToArray();
    }

    /// <summary>The package path of the workbook's first sheet (xl/worksheets/sheet1.xml as the SDK names it).</summary>
    public static string SheetPath(byte[] bytes)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var workbook = document.WorkbookPart!;
        var first = workbook.Workbook.Sheets!.Elements<Sheet>().First();
        return workbook.GetPartById(first.Id!).Uri.OriginalString.TrimStart('/');
    }
}

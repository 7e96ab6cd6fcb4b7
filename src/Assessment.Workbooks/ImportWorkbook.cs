using System.Globalization;
using System.Text.RegularExpressions;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;

namespace Assessment.Workbooks;

/// <summary>One unit's row of a prefecture table: where it is in the sheet, whom it names, and its values by column.</summary>
public sealed record ImportSheetRow(int Row, string County, string Unit, IReadOnlyList<(string Code, FilledValue Value, string Column)> Values);

/// <summary>One unit's row of a table to write: whom it names (the county's own figures when <see cref="IsCountySelf"/>) and the values it has now.</summary>
public sealed record ImportTemplateRow(string CountyId, string CountyName, string UnitId, string UnitName, bool IsCountySelf, IReadOnlyDictionary<string, double> Values);

/// <summary>A prefecture table as read: the rows that may be sent and every cell problem (those rows are not sent).</summary>
public sealed record ImportTable(IReadOnlyList<ImportSheetRow> Rows, IReadOnlyList<CellProblem> Problems, IReadOnlyDictionary<string, string> ColumnOfCode, int SkippedEmpty);

/// <summary>
/// The prefecture table (全市汇总表) an assessor imports: a header row with 县（区） and 单位 columns and one column per
/// indicator (headed by its code, its name, or 名称（代码）), then one row per unit; 本级 in the unit column means the
/// county's own figures. A row with any unreadable cell is reported and not sent; the others are.
/// </summary>
public static partial class ImportWorkbook
{
    public const string CountyHeader = "县（区）";
    public const string UnitHeader = "单位";
    private static readonly string[] SelfWords = ["本级", "县本级", "区本级", "self"];

    /// <summary>
    /// The table for assessors to correct and import: every indicator a unit or a county reports as a column, a row per
    /// unit given (and per county's own figures) with the values it has now. Importing it unchanged changes nothing;
    /// a corrected cell is stored for its unit. A county or unit is named by its name unless another of its kind
    /// (a unit of the same county) shares it (then by id), so that the import finds the same unit.
    /// </summary>
    public static void WriteTemplate(IndicatorCatalog catalog, int year, IEnumerable<ImportTemplateRow> units, Stream output)
    {
        var sheet = new SheetBuilder();
        var indicators = catalog.Indicators.Where(i => i.AcceptsFrom(IndicatorSource.Unit) || i.AcceptsFrom(IndicatorSource.County)).ToList();
        sheet.Add(1, ($"{year.ToString(CultureInfo.InvariantCulture)} 年度全市汇总表：每行一个单位，已预填各单位现有数值；改正或补填单元格后用 assess import 导入。“单位”填单位标识或名称，县（区）自身的数值填“本级”；留空的单元格不改变已报数值。", SheetStyle.Note));
        sheet.Add(2, SheetStyle.Header, [CountyHeader, UnitHeader, .. indicators.Select(i => $"{i.Name}（{i.Code}）")]);
        uint number = 3;
        var rows = units.ToList();
        var sharedCounties = Ambiguous(rows.DistinctBy(u => u.CountyId).Select(u => (u.CountyId, u.CountyName)));
        foreach (var county in rows.GroupBy(u => u.CountyId, StringComparer.Ordinal))
        {
            var shared = Ambiguous(county.Where(u => !u.IsCountySelf).Select(u => (u.UnitId, u.UnitName)));
            foreach (var unit in county)
            {
                var cells = new (object? Value, SheetStyle Style)[indicators.Count + 2];
                cells[0] = (sharedCounties.Contains(unit.CountyName) ? unit.CountyId : unit.CountyName, SheetStyle.Text);
                cells[1] = (unit.IsCountySelf ? SelfWords[0] : shared.Contains(unit.UnitName) || SelfWords.Contains(unit.UnitName, StringComparer.OrdinalIgnoreCase) ? unit.UnitId : unit.UnitName, SheetStyle.Text);
                for (var c = 0; c < indicators.Count; c++)
                {
                    var value = unit.Values.TryGetValue(indicators[c].Code, out var v) ? (object)(indicators[c].Kind == IndicatorKind.Flag ? (v == 1 ? "是" : "否") : v) : null;
                    cells[c + 2] = (value, SheetStyle.Input);
                }

                sheet.Add(number++, cells);
            }
        }

        for (var c = 0; c < indicators.Count + 2; c++)
        {
            sheet.Width(c, c < 2 ? 14 : 16);
        }

        sheet.Save(output, "全市汇总", 3);
    }

    /// <summary>Names the import would not resolve to their own entry: shared by two, or equal to another's id (ids match first).</summary>
    private static HashSet<string> Ambiguous(IEnumerable<(string Id, string Name)> entries)
    {
        var list = entries.ToList();
        var ids = list.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        return list.GroupBy(e => e.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1 || g.Any(e => e.Id != e.Name && ids.Contains(e.Name)))
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
    }

    public static ImportTable Read(byte[] bytes, IndicatorCatalog catalog) => WorkbookReader.Guarded(() => ReadTable(bytes, catalog));

    private static ImportTable ReadTable(byte[] bytes, IndicatorCatalog catalog)
    {
        using var reader = WorkbookReader.Open(bytes, WorkbookLimits.Import);
        var sheet = reader.Read() ?? throw new WorkbookException("工作簿中没有可见的工作表。");
        var header = sheet.Rows.Take(10).FirstOrDefault(r => r.Cells.Any(c => Header(c) == CountyHeader) && r.Cells.Any(c => Header(c) == UnitHeader))
            ?? throw new WorkbookException($"前 10 行中没有表头：表头行须有“{CountyHeader}”和“{UnitHeader}”两列，其余各列以指标代码或名称为标题（可用 assess template --import 生成）。");
        var countyColumn = header.Cells.First(c => Header(c) == CountyHeader).Column;
        var unitColumn = header.Cells.First(c => Header(c) == UnitHeader).Column;
        var columns = new Dictionary<int, Indicator>();
        var problems = new List<CellProblem>();
        foreach (var cell in header.Cells.Where(c => c.Column != countyColumn && c.Column != unitColumn && c.Kind == CellKind.Text))
        {
            if (Indicator(catalog, cell.Text) is { } indicator)
            {
                if (columns.ContainsValue(indicator))
                {
                    problems.Add(new(header.Number, WorkbookReader.ColumnName(cell.Column), $"指标“{indicator.Name}”的列重复出现，整列不予读取"));
                    columns.Remove(columns.First(kv => kv.Value == indicator).Key);
                    continue;
                }

                columns[cell.Column] = indicator;
            }
            else
            {
                problems.Add(new(header.Number, WorkbookReader.ColumnName(cell.Column), $"列标题“{Clip(cell.Text)}”不是指标代码或名称，该列不予读取"));
            }
        }

        if (columns.Count == 0)
        {
            throw new WorkbookException("表头中没有可识别的指标列：列标题须为指标代码（如 legalaid.cases）、指标名称或“名称（代码）”。");
        }

        var rows = new List<ImportSheetRow>();
        var seen = new Dictionary<(string, string), int>();
        var empty = 0;
        foreach (var row in sheet.Rows.Where(r => r.Number > header.Number))
        {
            var county = FilledValue.Normalize(row[countyColumn]?.Text);
            var unit = FilledValue.Normalize(row[unitColumn]?.Text);
            var values = new List<(string, FilledValue, string)>();
            var bad = false;
            foreach (var (column, indicator) in columns)
            {
                var filled = CellReading.Interpret(row[column], indicator);
                var name = WorkbookReader.ColumnName(column);
                if (filled.Kind == FilledValueKind.Blank)
                {
                    continue;
                }

                var problem = filled.Kind == FilledValueKind.Problem ? $"{indicator.Name}：{filled.Problem}"
                    : sheet.IsMerged(row.Number, column) ? "数值位于合并单元格中：请取消合并，每个单位单独填写"
                    : null;
                if (problem is not null)
                {
                    problems.Add(new(row.Number, name, problem));
                    bad = true;
                    continue;
                }

                values.Add((indicator.Code, filled, name));
            }

            if (county.Length == 0 && unit.Length == 0 && values.Count == 0 && !bad)
            {
                empty++;
                continue;
            }

            if (row.Hidden)
            {
                problems.Add(new(row.Number, "", "该行被隐藏：请取消隐藏、核对后再导入（隐藏行不予读取）"));
                continue;
            }

            if (county.Length == 0 || unit.Length == 0)
            {
                problems.Add(new(row.Number, WorkbookReader.ColumnName(county.Length == 0 ? countyColumn : unitColumn), $"缺少{(county.Length == 0 ? CountyHeader : UnitHeader)}"));
                continue;
            }

            if (SelfWords.Contains(unit, StringComparer.OrdinalIgnoreCase))
            {
                unit = "self";
            }

            if (seen.TryGetValue((county, unit), out var first))
            {
                problems.Add(new(row.Number, WorkbookReader.ColumnName(unitColumn), $"与第 {first} 行是同一单位，该行不予导入"));
                continue;
            }

            seen[(county, unit)] = row.Number;
            if (bad)
            {
                continue;
            }

            if (values.Count == 0)
            {
                empty++;
                continue;
            }

            rows.Add(new ImportSheetRow(row.Number, county, unit, values));
        }

        return new ImportTable(rows, problems, columns.ToDictionary(kv => kv.Value.Code, kv => WorkbookReader.ColumnName(kv.Key), StringComparer.Ordinal), empty);
    }

    /// <summary>The problem report written back: row, column, unit and what is wrong, one line each.</summary>
    public static void WriteProblems(IEnumerable<(int Row, string Column, string County, string Unit, string Message)> problems, Stream output)
    {
        var sheet = new SheetBuilder();
        sheet.Add(1, SheetStyle.Header, "行号", "列", CountyHeader, UnitHeader, "问题");
        uint n = 2;
        foreach (var p in problems.OrderBy(p => p.Row).ThenBy(p => p.Column.Length).ThenBy(p => p.Column, StringComparer.Ordinal))
        {
            sheet.Add(n++, (p.Row, SheetStyle.Number), (p.Column, SheetStyle.Text), (p.County, SheetStyle.Text), (p.Unit, SheetStyle.Text), (p.Message, SheetStyle.Text));
        }

        sheet.Width(4, 80);
        sheet.Save(output, "错误报告", 2);
    }

    private static string Header(SheetCell cell) => cell.Kind == CellKind.Text ? FilledValue.Normalize(cell.Text).Replace("(", "（", StringComparison.Ordinal).Replace(")", "）", StringComparison.Ordinal) : "";

    private static Indicator? Indicator(IndicatorCatalog catalog, string header)
    {
        var text = FilledValue.Normalize(header);
        if (catalog.TryGet(text, out var byCode))
        {
            return byCode;
        }

        if (TrailingCode().Match(text) is { Success: true } m && catalog.TryGet(m.Groups[1].Value, out var inParens))
        {
            return inParens;
        }

        return catalog.Indicators.FirstOrDefault(i => i.Name == text);
    }

    private static string Clip(string text) => text.Length <= 30 ? text : text[..30] + "…";

    [GeneratedRegex(@"[（(]\s*([a-z0-9_.]+)\s*[）)]\s*\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex TrailingCode();
}

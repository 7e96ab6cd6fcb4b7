using System.Globalization;
using System.Text;
using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Workbooks;

/// <summary>A 细则 workbook as read: the scheme's canonical YAML, or every problem found (then nothing is made of it).</summary>
public sealed record SchemeSheet(string? Yaml, IReadOnlyList<CellProblem> Problems);

/// <summary>
/// The 考核评分细则 as the table prefectures publish it: 一级指标 | 二级指标 | 三级指标（考核内容）| 分值 | 评分标准 | 考核方式,
/// one row per scored line, deduction, bonus and veto, with machine columns (indicator code, rule, parameters, the 一级指标
/// code) beside them and the scheme's settings (grades, caps) in a very hidden sheet. Edited in Excel — names, points,
/// 评分标准, 考核方式, rows added or removed — and read back, it gives the scheme as canonical YAML, which the loader then
/// checks like any other scheme text. Read with the same guarded reader and limits as the fill-in forms.
/// </summary>
public static class SchemeWorkbook
{
    public const string SheetName = "评分细则";
    public const string SettingsSheet = "_scheme";
    public const int HeaderRow = 3;
    private const string Layout = "assessment-scheme/1";

    // Visible columns, then the machine columns.
    private const int Level1 = 1, Level2 = 2, Level3 = 3, PointsColumn = 4, StandardColumn = 5, MethodColumn = 6;
    private const int CodeColumn = 7, RuleColumn = 8, ParametersColumn = 9, DimensionColumn = 10;

    private const string Deduction = "deduction", Bonus = "bonus", Veto = "veto";

    private static readonly string[] Headers = ["一级指标", "二级指标", "三级指标（考核内容）", "分值", "评分标准", "考核方式", "指标代码", "计分规则", "参数", "一级指标代码"];

    private static readonly IReadOnlyDictionary<string, RuleKind> Rules = SchemeRules.Names;

    public static void Write(Scheme scheme, IndicatorCatalog catalog, Stream output)
    {
        var sheet = new SheetBuilder();
        sheet.Add(1, ($"{scheme.Name}（{scheme.Id}）", SheetStyle.Title));
        sheet.Add(2, ("可修改一级、二级指标名称、分值、评分标准和考核方式，可增删行（三级指标名称取自指标目录，改名请修改指标目录）；新增的行须填写“指标代码”“计分规则”和“参数”列。改好后用 assess scheme import 读回。", SheetStyle.Note));
        // Categories scored with 分值 of their own (县 and 区) get a 分值 column each, after the machine columns.
        var variants = scheme.Variants;
        sheet.Add(HeaderRow, SheetStyle.Header, [.. Headers, .. variants.Select(VariantHeader)]);
        var number = (uint)HeaderRow;
        foreach (var d in scheme.Dimensions)
        {
            foreach (var l in d.Lines)
            {
                var indicator = catalog[l.Indicator];
                object?[] cells = [d.Name, l.Group, indicator.Name, l.Points, ScoringStandard.Of(l, indicator, scheme.Missing),
                    ScoringStandard.Chinese(l.Method ?? ScoringStandard.DefaultMethod(indicator)), l.Indicator, RuleName(l.Rule), Parameters(l), d.Code];
                sheet.Add(++number, SheetStyle.Text, [.. cells, .. variants.Select(v => (object?)l.PointsFor(v))]);
            }

            foreach (var e in d.Deductions)
            {
                var indicator = catalog[e.Indicator];
                sheet.Add(++number, SheetStyle.Text, d.Name, null, indicator.Name, null, ScoringStandard.Deduction(e, indicator),
                    ScoringStandard.Chinese(ScoringStandard.DefaultMethod(indicator)), e.Indicator, Deduction, EventParameters(e), d.Code);
            }
        }

        foreach (var e in scheme.Bonus)
        {
            var indicator = catalog[e.Indicator];
            sheet.Add(++number, SheetStyle.Text, "加分项", null, indicator.Name, null, ScoringStandard.Bonus(e, indicator),
                ScoringStandard.Chinese(ScoringStandard.DefaultMethod(indicator)), e.Indicator, Bonus, EventParameters(e), null);
        }

        foreach (var code in scheme.Veto)
        {
            var indicator = catalog[code];
            sheet.Add(++number, SheetStyle.Text, "一票否决", null, indicator.Name, null, ScoringStandard.Veto(scheme.LowestGrade),
                ScoringStandard.Chinese(ScoringStandard.DefaultMethod(indicator)), code, Veto, null, null);
        }

        double[] widths = [16, 16, 30, 8, 50, 10, 28, 14, 24, 12, .. variants.Select(_ => 10.0)];
        for (var c = 0; c < widths.Length; c++)
        {
            sheet.Width(c, widths[c]);
        }

        using var document = SpreadsheetDocument.Create(output, DocumentFormat.OpenXml.SpreadsheetDocumentType.Workbook);
        var workbook = SheetBuilder.NewWorkbook(document);
        var worksheet = workbook.AddNewPart<WorksheetPart>();
        sheet.WriteTo(worksheet, HeaderRow + 1);

        // The settings the table does not show: the scheme as it was (grades, quota, caps, missing policy), in pieces
        // that fit a cell. The rows of the visible sheet replace its lines when read back.
        var settings = new SheetBuilder();
        settings.Add(1, SheetStyle.Plain, "layout", Layout);
        var text = SchemeWriter.Write(scheme);
        var row = 2u;
        for (var at = 0; at < text.Length; at += 30_000)
        {
            settings.Add(row++, SheetStyle.Plain, "yaml", text.Substring(at, Math.Min(30_000, text.Length - at)));
        }

        var hidden = workbook.AddNewPart<WorksheetPart>();
        settings.WriteTo(hidden, columns: false);
        workbook.Workbook.Append(new Sheets(
            new Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = 1, Name = SheetName },
            new Sheet { Id = workbook.GetIdOfPart(hidden), SheetId = 2, Name = SettingsSheet, State = SheetStateValues.VeryHidden }));
    }

    /// <summary>Reads a 细则 workbook back into canonical scheme YAML; every unreadable cell is reported with its place.</summary>
    public static SchemeSheet Read(byte[] bytes, IndicatorCatalog catalog) => WorkbookReader.Guarded(() => ReadSheet(bytes, catalog));

    private static SchemeSheet ReadSheet(byte[] bytes, IndicatorCatalog catalog)
    {
        using var reader = WorkbookReader.Open(bytes, WorkbookLimits.Form);
        var settings = reader.Read(SettingsSheet)
            ?? throw new WorkbookException("该工作簿不是本平台导出的评分细则：请先用 assess scheme export --format xlsx 导出，修改后再导入。");
        if (settings.Rows.FirstOrDefault(r => r[1]?.Text == "layout")?[2]?.Text != Layout)
        {
            throw new WorkbookException($"评分细则工作簿的格式版本不是 {Layout}：请重新导出。");
        }

        var original = string.Concat(settings.Rows.Where(r => r[1]?.Text == "yaml").OrderBy(r => r.Number).Select(r => r[2]?.Text ?? ""));
        Scheme baseline;
        try
        {
            baseline = SchemeLoader.Load(original, "评分细则工作簿", catalog);
        }
        catch (DataFileException ex)
        {
            throw new WorkbookException($"评分细则工作簿的设置已损坏或不适用于本租户的指标目录：{(ex.Problems.Count > 0 ? ex.Problems[0] : "")}");
        }

        var sheet = reader.Read(SheetName) ?? throw new WorkbookException($"工作簿缺少工作表“{SheetName}”：请重新导出。");
        var problems = new List<CellProblem>();
        var variantColumns = VariantColumns(sheet);
        var dimensions = new List<(string Code, string Name, List<SchemeLine> Lines, List<EventLine> Deductions)>();
        var bonus = new List<EventLine>();
        var veto = new List<string>();
        foreach (var row in sheet.Rows.Where(r => r.Number > HeaderRow))
        {
            var level1 = Text(row, Level1);
            var code = Text(row, CodeColumn);
            var rule = Text(row, RuleColumn);
            if (level1 is null && code is null && rule is null)
            {
                continue; // an empty row
            }

            if (row.Hidden)
            {
                problems.Add(new(row.Number, "A", "该行被隐藏：请取消隐藏、核对后再导入（隐藏行不予读取）"));
                continue;
            }

            // The same rule as the fill-in forms: a cell that reaches into another workbook is never read.
            if (row.Cells.FirstOrDefault(c => c.ExternalFormula) is { } linked)
            {
                problems.Add(new(row.Number, WorkbookReader.ColumnName(linked.Column), "公式引用了其他工作簿（外部链接），不予读取：请复制后“选择性粘贴为数值”再导入"));
                continue;
            }

            if (code is null || !catalog.TryGet(code, out var indicator))
            {
                problems.Add(new(row.Number, "G", code is null ? "缺少指标代码" : $"指标目录中没有“{Shown(code)}”"));
                continue;
            }

            if (rule is Veto)
            {
                veto.Add(code);
                continue;
            }

            var parameters = Parse(Text(row, ParametersColumn), out var parameterProblem);
            if (parameterProblem is not null)
            {
                problems.Add(new(row.Number, "I", parameterProblem));
                continue;
            }

            if (rule is Bonus or Deduction)
            {
                if (!parameters.TryGetValue("per", out var per))
                {
                    problems.Add(new(row.Number, "I", "加分、扣分行须在参数中写明 per（每起或每项的分值）"));
                    continue;
                }

                var line = new EventLine(code, per, parameters.GetValueOrDefault("cap", double.MaxValue));
                if (rule is Bonus)
                {
                    bonus.Add(line);
                }
                else if (Dimension(row, level1, dimensions, problems) is { } owner)
                {
                    owner.Deductions.Add(line);
                }

                continue;
            }

            if (rule is null || !Rules.TryGetValue(rule, out var kind))
            {
                problems.Add(new(row.Number, "H", $"计分规则须为 {string.Join("、", Rules.Keys)}、{Deduction}、{Bonus} 或 {Veto}"));
                continue;
            }

            if (row[PointsColumn] is not { Kind: CellKind.Number } pointsCell)
            {
                problems.Add(new(row.Number, "D", "分值须为数字"));
                continue;
            }

            var method = Text(row, MethodColumn);
            AssessmentMethod? chosen = null;
            if (method is not null)
            {
                var known = Enum.GetValues<AssessmentMethod>().Where(m => ScoringStandard.Chinese(m) == method).ToList();
                if (known.Count == 0)
                {
                    problems.Add(new(row.Number, "F", "考核方式须为 系统计算、查阅资料、实地核查、问卷测评 或 日常考核"));
                    continue;
                }

                chosen = known[0] == ScoringStandard.DefaultMethod(indicator) ? null : known[0];
            }

            var scored = new SchemeLine(code, pointsCell.Number, kind,
                Target: parameters.GetValueOrDefault("target", 100),
                Lo: parameters.GetValueOrDefault("lo", 0),
                Hi: parameters.GetValueOrDefault("hi", 100),
                N: (int)parameters.GetValueOrDefault("n", 0),
                Deduct: parameters.GetValueOrDefault("deduct", 0),
                Inverted: parameters.ContainsKey("inverted"),
                MinDenominator: parameters.TryGetValue("min_denominator", out var md) ? (int)md : null,
                Cap: parameters.TryGetValue("cap", out var cap) ? cap : null,
                Missing: parameters.TryGetValue("missing_full", out _) ? MissingPolicy.Full
                    : parameters.TryGetValue("missing_not_scored", out _) ? MissingPolicy.NotScored
                    : parameters.TryGetValue("missing_zero", out _) ? MissingPolicy.Zero : null,
                Group: Text(row, Level2),
                Method: chosen,
                Variants: Variants(row, pointsCell.Number, variantColumns, problems),
                Review: parameters.ContainsKey("review"));

            // A 评分标准 that is what the platform generates — for the line as read, or as it was exported — stays generated,
            // so it follows the line's points and parameters when they are edited in the workbook.
            var standard = Text(row, StandardColumn);
            var exported = baseline.Dimensions.SelectMany(d => d.Lines).FirstOrDefault(l => l.Indicator == code);
            if (standard is not null && standard != ScoringStandard.Of(scored, indicator, baseline.Missing)
                && (exported is null || standard != ScoringStandard.Of(exported with { Standard = null }, indicator, baseline.Missing)))
            {
                scored = scored with { Standard = standard };
            }

            if (Dimension(row, level1, dimensions, problems) is { } dimension)
            {
                // A 一级指标 that declares its 二级指标 has every row under one of them.
                if (scored.Group is null && baseline.Dimensions.Any(b => b.Code == dimension.Code && b.Sections is not null))
                {
                    problems.Add(new(row.Number, "B", $"“{dimension.Name}”设有二级指标：请填写本行所属的二级指标"));
                    continue;
                }

                dimension.Lines.Add(scored);
            }
        }

        if (problems.Count > 0)
        {
            return new SchemeSheet(null, problems);
        }

        var scheme = baseline with
        {
            // A 一级指标 that declared its 二级指标 keeps declaring them, with the 分值 its rows now add up to.
            Dimensions = dimensions.Select(d => new SchemeDimension(d.Code, d.Name, d.Lines.Sum(l => l.Points), d.Lines, d.Deductions,
                baseline.Dimensions.Any(b => b.Code == d.Code && b.Sections is not null) ? SchemeSections.Of(d.Lines, null) : null)).ToList(),
            Bonus = bonus,
            Veto = veto,
        };
        return new SchemeSheet(SchemeWriter.Write(scheme), []);
    }

    private static string VariantHeader(string category) => $"分值（{category}）";

    /// <summary>The columns after the machine columns headed 分值（类别）: a category's own 分值.</summary>
    private static List<(int Column, string Category)> VariantColumns(SheetContent sheet)
    {
        var columns = new List<(int, string)>();
        if (sheet.Rows.FirstOrDefault(r => r.Number == HeaderRow) is not { } header)
        {
            return columns;
        }

        foreach (var cell in header.Cells.Where(c => c.Column > DimensionColumn && c.Kind == CellKind.Text))
        {
            var text = cell.Text.Trim();
            if (text.StartsWith("分值（", StringComparison.Ordinal) && text.EndsWith('）') && text.Length > 4)
            {
                columns.Add((cell.Column, text[3..^1].Trim()));
            }
        }

        return columns;
    }

    /// <summary>A row's 分值 per category; a cell equal to the row's 分值 (or blank) is no variant at all.</summary>
    private static Dictionary<string, double>? Variants(SheetRow row, double points, List<(int Column, string Category)> columns, List<CellProblem> problems)
    {
        var variants = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (column, category) in columns)
        {
            switch (row[column])
            {
                case null:
                    continue; // blank: the category scores the line at its 分值
                case { Kind: CellKind.Number } cell when cell.Number >= 0:
                    if (cell.Number != points)
                    {
                        variants[category] = cell.Number;
                    }

                    break;
                default:
                    problems.Add(new(row.Number, WorkbookReader.ColumnName(column), $"{VariantHeader(category)}须为不小于 0 的数字（0 表示不考核此项）"));
                    break;
            }
        }

        return variants.Count == 0 ? null : variants;
    }

    /// <summary>The 一级指标 a row belongs to: by its code column, or by its name for a row added in Excel.</summary>
    private static (string Code, string Name, List<SchemeLine> Lines, List<EventLine> Deductions)? Dimension(
        SheetRow row, string? name, List<(string Code, string Name, List<SchemeLine> Lines, List<EventLine> Deductions)> dimensions, List<CellProblem> problems)
    {
        if (name is null)
        {
            problems.Add(new(row.Number, "A", "缺少一级指标名称"));
            return null;
        }

        var code = Text(row, DimensionColumn);
        var found = dimensions.FindIndex(d => code is not null ? d.Code == code : d.Name == name);
        if (found >= 0)
        {
            return dimensions[found];
        }

        var added = (code ?? $"d{(dimensions.Count + 1).ToString(CultureInfo.InvariantCulture)}", name, new List<SchemeLine>(), new List<EventLine>());
        dimensions.Add(added);
        return added;
    }

    private static string RuleName(RuleKind rule) => SchemeRules.Name(rule);

    /// <summary>A line's parameters as <c>key=value;…</c> (a switch by its name alone; the missing policy as missing_…).</summary>
    private static string Parameters(SchemeLine l) => string.Join(";", SchemeRules.Parameters(l).Select(p =>
        p.Key == "missing" ? $"missing_{p.Value}" : p.Value is null ? p.Key : $"{p.Key}={p.Value}"));

    private static string EventParameters(EventLine e) => $"per={N(e.Per)}{(e.Cap == double.MaxValue ? "" : $";cap={N(e.Cap)}")}";

    private static readonly HashSet<string> Known = ["target", "lo", "hi", "n", "deduct", "inverted", "min_denominator", "cap", "per",
        "missing_full", "missing_not_scored", "missing_zero", "review"];

    private static readonly HashSet<string> Flags = ["inverted", "missing_full", "missing_not_scored", "missing_zero", "review"];

    private static readonly HashSet<string> Whole = ["n", "min_denominator"];

    private static Dictionary<string, double> Parse(string? text, out string? problem)
    {
        problem = null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (text is null)
        {
            return values;
        }

        var parts = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > Known.Count)
        {
            problem = $"参数过多（至多 {Known.Count} 个）";
            return values;
        }

        foreach (var part in parts)
        {
            var cut = part.IndexOf('=', StringComparison.Ordinal);
            var key = cut < 0 ? part : part[..cut].Trim();
            var raw = cut < 0 ? null : part[(cut + 1)..].Trim();
            if (!Known.Contains(key))
            {
                problem = $"未知参数“{Shown(key)}”（可用：{string.Join("、", Known)}）";
                return values;
            }

            if (Flags.Contains(key))
            {
                // A switch: on when named alone or as =1/=true, off as =0/=false; anything else is a mistake.
                switch (raw?.ToLowerInvariant())
                {
                    case null or "1" or "true":
                        values[key] = 1;
                        continue;
                    case "0" or "false":
                        continue;
                    default:
                        problem = $"参数 {key} 只能写作 {key} 或 {key}=1（开）、{key}=0（关）";
                        return values;
                }
            }

            if (raw is not null && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                && (!Whole.Contains(key) || (value == Math.Floor(value) && value is >= 0 and <= 1_000_000)))
            {
                values[key] = value;
            }
            else
            {
                problem = Whole.Contains(key) ? $"参数 {key} 的值须为 0–1000000 的整数" : $"参数 {key} 的值须为数字";
                return values;
            }
        }

        return values;
    }

    private static string? Text(SheetRow row, int column) =>
        row[column] is { } cell && (cell.Kind == CellKind.Text ? cell.Text : cell.Kind == CellKind.Number ? N(cell.Number) : null) is { } text
            && text.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Shown(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

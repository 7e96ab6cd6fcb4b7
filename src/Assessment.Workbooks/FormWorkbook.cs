using System.Globalization;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;
using Assessment.Domain.Validation;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Workbooks;

/// <summary>What a fill-in workbook is generated from (the server's form for one submitter and year).</summary>
public sealed record FormSheet(string FormId, int Year, string Submitter, string Scheme, IReadOnlyList<FormSheetRow> Rows);

/// <param name="Guidance">填报口径: how the tenant's catalog says to count the figure ("" when it says nothing).</param>
/// <param name="Standard">评分标准: how the year's 细则 scores it ("" when it does not).</param>
public sealed record FormSheetRow(string Code, string Name, string Dimension, IndicatorKind Kind, string Measure, double? LastYear, double? Current,
    string Guidance = "", string Standard = "");

/// <summary>A value read back from a filled-in form, with the cell it came from.</summary>
public sealed record FormEntry(string Code, FilledValue Value, string? Note, string Cell);

/// <summary>A cell that could not be read, with what to do about it.</summary>
public sealed record CellProblem(int Row, string Column, string Message);

/// <summary>A filled-in form as read: its identity, the entries, and every problem found (nothing is sent while any remain).</summary>
public sealed record FilledForm(string FormId, int Year, IReadOnlyList<FormEntry> Entries, IReadOnlyList<CellProblem> Problems, IReadOnlyList<string> Warnings);

/// <summary>
/// The fill-in workbook (填报表): one row per indicator the submitter reports, last year's value beside this year's,
/// data validation per kind, a protected structure with only the value and note columns open, and a very hidden
/// sheet carrying the form identity and the code of every row.
/// </summary>
public static class FormWorkbook
{
    public const string SheetName = "填报表";
    public const string IdentitySheet = "_form";
    public const uint HeaderRow = 4;
    public const int ValueColumn = 7;
    public const int NoteColumn = 8;
    private const int CodeColumn = 3;

    public static void Write(FormSheet form, Stream output)
    {
        using var document = SpreadsheetDocument.Create(output, SpreadsheetDocumentType.Workbook);
        var workbook = SheetBuilder.NewWorkbook(document);
        var sheet = new SheetBuilder();
        sheet.Add(1, (form.Year.ToString(CultureInfo.InvariantCulture) + " 年度法治政府建设考核 填报表", SheetStyle.Title));
        sheet.Add(2, ($"填报单位：{form.Submitter}　　考核细则：{(form.Scheme.Length == 0 ? "（本年度考核尚未定义）" : form.Scheme)}", SheetStyle.Note));
        sheet.Add(3, ("只填黄色的“本年数值”和“说明”两列。是/否类选“是”或“否”；留空表示不改变已报数值；确无此项填“未填报”。填好后用 assess submit 本文件 提交。", SheetStyle.Note));
        sheet.Add(HeaderRow, SheetStyle.Header, "序号", "一级指标", "指标代码", "指标名称", "计量单位", "上年数值", "本年数值", "说明（可选）", "填报口径", "评分标准");
        var validations = new DataValidations();
        for (var i = 0; i < form.Rows.Count; i++)
        {
            var r = form.Rows[i];
            var number = HeaderRow + 1 + (uint)i;
            sheet.Add(number,
                (i + 1, SheetStyle.Number),
                (r.Dimension, SheetStyle.Text),
                (r.Code, SheetStyle.Text),
                (r.Name, SheetStyle.Text),
                (r.Measure, SheetStyle.Text),
                (Shown(r.Kind, r.LastYear), SheetStyle.Number),
                (Shown(r.Kind, r.Current), SheetStyle.Input),
                (null, SheetStyle.Input),
                (r.Guidance.Length > 0 ? r.Guidance : null, SheetStyle.Text),
                (r.Standard.Length > 0 ? r.Standard : null, SheetStyle.Text));
            validations.Append(Validation(r, "G" + number.ToString(CultureInfo.InvariantCulture)));
        }

        sheet.Width(0, 6);
        sheet.Width(6, 12);
        sheet.Width(7, 30);
        // 填报口径 and 评分标准 wrap in columns of their own width rather than stretching to their longest text.
        sheet.Width(8, 36);
        sheet.Width(9, 44);
        validations.Count = (uint)form.Rows.Count;
        var worksheet = workbook.AddNewPart<WorksheetPart>();
        // Protection keeps the structure (codes, names, rows) as generated; it is a guard against slips, not a
        // security boundary: the reader checks every row against the hidden sheet anyway.
        sheet.WriteTo(worksheet, HeaderRow + 1, columns: true,
            new SheetProtection { Sheet = true, Objects = true, Scenarios = true, FormatColumns = false, FormatRows = false },
            validations);

        var identity = workbook.AddNewPart<WorksheetPart>();
        var hidden = new SheetBuilder();
        hidden.Add(1, SheetStyle.Plain, "form_id", form.FormId);
        hidden.Add(2, SheetStyle.Plain, "layout", FillInForm.Layout);
        hidden.Add(3, SheetStyle.Plain, "year", form.Year);
        for (var i = 0; i < form.Rows.Count; i++)
        {
            // The kind travels with the code: the form is read without the tenant's catalog (the server checks values).
            hidden.Add(4 + (uint)i, SheetStyle.Plain, (double)(HeaderRow + 1 + i), form.Rows[i].Code, form.Rows[i].Kind.ToString().ToLowerInvariant());
        }

        hidden.WriteTo(identity, columns: false);
        workbook.Workbook.Append(
            new WorkbookProtection { LockStructure = true },
            new Sheets(
                new Sheet { Id = workbook.GetIdOfPart(worksheet), SheetId = 1, Name = SheetName },
                new Sheet { Id = workbook.GetIdOfPart(identity), SheetId = 2, Name = IdentitySheet, State = SheetStateValues.VeryHidden }));
    }

    /// <summary>Reads a filled-in form; every problem is collected with its cell, nothing is guessed.</summary>
    /// <remarks>
    /// Each row's kind comes from the form's hidden sheet, so a tenant's own indicators read without its catalog; a form
    /// made before kinds were written there is read with <paramref name="catalog"/>.
    /// </remarks>
    public static FilledForm Read(byte[] bytes, IndicatorCatalog catalog) => WorkbookReader.Guarded(() => ReadForm(bytes, catalog));

    private static FilledForm ReadForm(byte[] bytes, IndicatorCatalog catalog)
    {
        using var reader = WorkbookReader.Open(bytes, WorkbookLimits.Form);
        var identity = reader.Read(IdentitySheet)
            ?? throw new WorkbookException("该工作簿不是本平台生成的填报表：请用 assess template 生成填报表，填好后再提交。");
        string? Field(string key) => identity.Rows.FirstOrDefault(r => r[1]?.Text == key)?[2]?.Text;
        var formId = Field("form_id") ?? throw new WorkbookException("填报表缺少表单标识（已被修改）：请重新生成。");
        var layout = Field("layout");
        if (layout != FillInForm.Layout)
        {
            throw new WorkbookException($"填报表格式版本为 {layout ?? "未知"}，本平台读取 {FillInForm.Layout}：请用 assess template 重新生成。");
        }

        var yearCell = identity.Rows.FirstOrDefault(r => r[1]?.Text == "year")?[2];
        var year = yearCell is { Kind: CellKind.Number } y ? (int)y.Number : 0;
        var expected = identity.Rows.Where(r => r.Number >= 4 && r[1] is { Kind: CellKind.Number } && r[2] is { Kind: CellKind.Text })
            .Select(r => ((int)r[1]!.Number, r[2]!.Text)).ToDictionary(x => x.Item1, x => x.Text);
        var kinds = identity.Rows.Where(r => r.Number >= 4 && r[1] is { Kind: CellKind.Number } && r[3] is { Kind: CellKind.Text })
            .Select(r => ((int)r[1]!.Number, r[3]!.Text)).ToDictionary(x => x.Item1, x => x.Text);
        var sheet = reader.Read(SheetName) ?? throw new WorkbookException($"填报表缺少工作表“{SheetName}”：请重新生成。");

        var entries = new List<FormEntry>();
        var problems = new List<CellProblem>();
        var warnings = new List<string>();
        foreach (var row in sheet.Rows.Where(r => r.Number > HeaderRow))
        {
            var value = row[ValueColumn];
            var note = row[NoteColumn];
            if (!expected.TryGetValue(row.Number, out var code))
            {
                if (value is not null || note is not null)
                {
                    warnings.Add($"第 {row.Number} 行不是表中的指标，已忽略。");
                }

                continue;
            }

            if (row[CodeColumn]?.Text != code)
            {
                problems.Add(new(row.Number, "C", $"指标代码应为 {code}：表格的行被移动或修改过，请重新生成填报表"));
                continue;
            }

            Indicator? indicator = null;
            if (kinds.TryGetValue(row.Number, out var kindName) && Enum.TryParse<IndicatorKind>(kindName, ignoreCase: true, out var kind)
                && !int.TryParse(kindName, out _))
            {
                var name = row[4] is { Kind: CellKind.Text } nameCell ? nameCell.Text : code;
                indicator = new Indicator(code, name, kind, "", IndicatorSource.Unit, AggregationMode.Sum);
            }
            else if (catalog.TryGet(code, out var known))
            {
                indicator = known;
            }

            if (indicator is null)
            {
                problems.Add(new(row.Number, "C", $"指标 {code} 已不在指标目录中：请重新生成填报表"));
                continue;
            }

            var filled = CellReading.Interpret(value, indicator);
            if (filled.Kind != FilledValueKind.Blank && row.Hidden)
            {
                problems.Add(new(row.Number, "G", "该行被隐藏：请取消隐藏、核对后再提交（隐藏行中的数值不予读取）"));
                continue;
            }

            if (filled.Kind != FilledValueKind.Blank && sheet.IsMerged(row.Number, ValueColumn))
            {
                problems.Add(new(row.Number, "G", "数值位于合并单元格中：请取消合并，每项指标单独填写"));
                continue;
            }

            if (filled.Kind == FilledValueKind.Problem)
            {
                problems.Add(new(row.Number, "G", $"{indicator.Name}：{filled.Problem}"));
                continue;
            }

            var noteText = note?.Kind == CellKind.Text ? FilledValue.Normalize(note.Text) : null;
            if (filled.Kind != FilledValueKind.Blank || !string.IsNullOrEmpty(noteText))
            {
                entries.Add(new FormEntry(code, filled, string.IsNullOrEmpty(noteText) ? null : noteText, "G" + row.Number.ToString(CultureInfo.InvariantCulture)));
            }
        }

        return new FilledForm(formId, year, entries, problems, warnings);
    }

    /// <summary>Flags show as 是/否, other values as numbers.</summary>
    private static object? Shown(IndicatorKind kind, double? value) => value is { } v && kind == IndicatorKind.Flag ? (v == 1 ? "是" : "否") : value;

    private static DataValidation Validation(FormSheetRow row, string cell)
    {
        var (type, min, max, rule) = row.Kind switch
        {
            IndicatorKind.Count or IndicatorKind.Event => (DataValidationValues.Whole, "0", Limit(SubmissionValidator.MaxCount), "须为 0 或正整数"),
            IndicatorKind.Amount => (DataValidationValues.Decimal, "0", Limit(SubmissionValidator.MaxAmount), $"须为非负数，至多 {SubmissionValidator.AmountDecimals} 位小数"),
            IndicatorKind.Rate or IndicatorKind.Score => (DataValidationValues.Decimal, "0", "100", "须在 0–100 之间"),
            _ => (DataValidationValues.List, "\"是,否,未填报\"", "", "请选择“是”或“否”"),
        };
        var validation = new DataValidation
        {
            Type = type,
            AllowBlank = true,
            ShowErrorMessage = true,
            ShowInputMessage = true,
            // A warning, not a stop: 未填报 must stay possible for numbers; the reader refuses anything else anyway.
            ErrorStyle = row.Kind == IndicatorKind.Flag ? DataValidationErrorStyleValues.Stop : DataValidationErrorStyleValues.Warning,
            ErrorTitle = "数值无效",
            Error = $"{Clip(row.Kind == IndicatorKind.Flag ? row.Name : Indicator.Labelled(row.Name, row.Measure))}{rule}；确无此项可填“未填报”。",
            PromptTitle = Clip(row.Code),
            Prompt = Clip(Indicator.Labelled(row.Name, row.Measure)),
            SequenceOfReferences = new ListValue<StringValue> { InnerText = cell },
        };
        if (type == DataValidationValues.List)
        {
            validation.Append(new Formula1(min));
        }
        else
        {
            validation.Operator = DataValidationOperatorValues.Between;
            validation.Append(new Formula1(min), new Formula2(max));
        }

        return validation;
    }

    private static string Limit(double max) => max.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>Excel limits prompt titles to 32 and messages to 255 characters.</summary>
    private static string Clip(string text) => text.Length <= 30 ? text : text[..29] + "…";
}

using System.Diagnostics;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;
using Assessment.Workbooks;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Assessment.Domain.Tests;

/// <summary>The fill-in form: generated, filled in the ways people fill it in, and attacked; nothing is ever guessed.</summary>
public sealed class WorkbookTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;

    private static FilledForm Fill(FormSheet form, params (string Code, object? Value)[] values) =>
        FormWorkbook.Read(Xlsx.Edit(Xlsx.Write(form), (_, sheet) =>
        {
            foreach (var (code, value) in values)
            {
                Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, code), value);
            }
        }), Catalog);

    [Fact]
    public void Each_row_shows_its_填报口径_and_评分标准_beside_the_columns_to_fill_and_a_filled_form_reads_as_before()
    {
        var form = Xlsx.UnitForm();
        var scored = form.Rows.First(r => r.Standard.Length > 0 && r.Kind == IndicatorKind.Count);
        var unscored = form.Rows.First(r => r.Standard.Length == 0);
        using (var reader = WorkbookReader.Open(Xlsx.Write(form), WorkbookLimits.Form))
        {
            var sheet = reader.Read(FormWorkbook.SheetName)!;
            var header = sheet.Rows.Single(r => r.Number == FormWorkbook.HeaderRow);
            Assert.Equal(("填报口径", "评分标准"), (header[9]?.Text, header[10]?.Text));
            var row = sheet.Rows.Single(r => r.Number == Xlsx.RowOf(form, scored.Code));
            Assert.Equal(scored.Standard, row[10]?.Text);
            Assert.Null(sheet.Rows.Single(r => r.Number == Xlsx.RowOf(form, unscored.Code))[10]);
        }

        var filled = Fill(form, (scored.Code, 3));
        Assert.Empty(filled.Problems);
        Assert.Equal(scored.Code, Assert.Single(filled.Entries).Code);
    }

    [Fact]
    public void A_generated_form_lists_every_indicator_the_submitter_reports_with_validation_protection_and_a_very_hidden_identity()
    {
        var form = Xlsx.UnitForm();
        using var document = SpreadsheetDocument.Open(new MemoryStream(Xlsx.Write(form)), false);
        var workbook = document.WorkbookPart!;
        var sheets = workbook.Workbook.Sheets!.Elements<Sheet>().ToList();
        Assert.Equal([FormWorkbook.SheetName, FormWorkbook.IdentitySheet], sheets.Select(s => s.Name!.Value));
        Assert.Equal(SheetStateValues.VeryHidden, sheets[1].State!.Value);
        Assert.True(workbook.Workbook.WorkbookProtection!.LockStructure!.Value);

        var sheet = ((WorksheetPart)workbook.GetPartById(sheets[0].Id!)).Worksheet;
        Assert.True(sheet.GetFirstChild<SheetProtection>()!.Sheet!.Value);
        var validations = sheet.GetFirstChild<DataValidations>()!.Elements<DataValidation>().ToList();
        Assert.Equal(FillInForm.Rows(Catalog, IndicatorSource.Unit).Count, validations.Count);
        DataValidation For(string code) => validations.Single(v => v.SequenceOfReferences!.InnerText == "G" + Xlsx.RowOf(form, code));
        Assert.Equal(DataValidationValues.Whole, For("legalaid.cases").Type!.Value);
        Assert.Equal("100", For("service.satisfaction_rate").Formula2!.Text);
        Assert.Equal(DataValidationValues.Decimal, For("legalaid.recovered_10k_yuan").Type!.Value);

        var county = Xlsx.CountyForm();
        using var countyDocument = SpreadsheetDocument.Open(new MemoryStream(Xlsx.Write(county)), false);
        var countySheet = ((WorksheetPart)countyDocument.WorkbookPart!.GetPartById(countyDocument.WorkbookPart.Workbook.Sheets!.Elements<Sheet>().First().Id!)).Worksheet;
        var flag = countySheet.GetFirstChild<DataValidations>()!.Elements<DataValidation>().Single(v => v.SequenceOfReferences!.InnerText == "G" + Xlsx.RowOf(county, "org.leading_group"));
        Assert.Equal(DataValidationValues.List, flag.Type!.Value);
        Assert.Contains("是,否", flag.Formula1!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filled_form_reads_back_as_typed_including_full_width_digits_text_numbers_units_percent_and_not_reported()
    {
        var form = Xlsx.UnitForm();
        var filled = Fill(form,
            ("legalaid.cases", 12),
            ("legalaid.consultations", "１２３"),
            ("pufa.activities", "1,234"),
            ("study.sessions", "15次"),
            ("org.public_lawyers", "8人"),
            ("service.satisfaction_rate", "96.5%"),
            ("legalaid.recovered_10k_yuan", " 3.25 "),
            ("pufa.lectures", "未填报"));
        Assert.Empty(filled.Problems);
        Assert.Equal(form.FormId, filled.FormId);
        Assert.Equal(2025, filled.Year);
        var values = filled.Entries.ToDictionary(e => e.Code, e => e.Value);
        Assert.Equal(12, values["legalaid.cases"].Value);
        Assert.Equal(123, values["legalaid.consultations"].Value);
        Assert.Equal(1234, values["pufa.activities"].Value);
        Assert.Equal(15, values["study.sessions"].Value);
        Assert.Equal(8, values["org.public_lawyers"].Value);
        Assert.Equal(96.5, values["service.satisfaction_rate"].Value);
        Assert.Equal(3.25, values["legalaid.recovered_10k_yuan"].Value);
        Assert.Equal(FilledValueKind.NotReported, values["pufa.lectures"].Kind);
        Assert.Equal(8, filled.Entries.Count); // blank rows say nothing
    }

    [Fact]
    public void Formulas_give_their_cached_result_and_are_never_evaluated_while_missing_results_and_external_links_are_refused()
    {
        var form = Xlsx.UnitForm();
        var bytes = Xlsx.Edit(Xlsx.Write(form), (_, sheet) =>
        {
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "legalaid.cases"), 9, formula: "4+5");
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "legalaid.consultations"), null, formula: "SUM(A1:A3)");
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "pufa.activities"), 40, formula: "[1]Sheet1!A1");
        });
        var filled = FormWorkbook.Read(bytes, Catalog);
        Assert.Equal(9, filled.Entries.Single(e => e.Code == "legalaid.cases").Value.Value);
        Assert.Contains(filled.Problems, p => p.Row == Xlsx.RowOf(form, "legalaid.consultations") && p.Message.Contains("没有计算结果", StringComparison.Ordinal));
        Assert.Contains(filled.Problems, p => p.Row == Xlsx.RowOf(form, "pufa.activities") && p.Message.Contains("外部链接", StringComparison.Ordinal));
    }

    [Fact]
    public void Dates_booleans_error_values_and_words_where_numbers_belong_are_refused_with_the_cell()
    {
        var form = Xlsx.UnitForm();
        var bytes = Xlsx.Edit(Xlsx.Write(form), (workbook, sheet) =>
        {
            var date = Xlsx.AddStyle(workbook, 14);
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "legalaid.cases"), 45292, style: date);
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "legalaid.consultations"), true);
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "pufa.activities"), "约二十场");
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "pufa.lectures"), "12万元");
        });
        var filled = FormWorkbook.Read(bytes, Catalog);
        Assert.Empty(filled.Entries);
        string Problem(string code) => filled.Problems.Single(p => p.Row == Xlsx.RowOf(form, code)).Message;
        Assert.Contains("日期", Problem("legalaid.cases"), StringComparison.Ordinal);
        Assert.Contains("逻辑值", Problem("legalaid.consultations"), StringComparison.Ordinal);
        Assert.Contains("约二十场", Problem("pufa.activities"), StringComparison.Ordinal);
        Assert.Contains("不是数字", Problem("pufa.lectures"), StringComparison.Ordinal); // 万元 is not a count's measure
        Assert.All(filled.Problems, p => Assert.Equal("G", p.Column));
    }

    [Fact]
    public void A_percent_formatted_rate_is_read_as_the_percentage_shown()
    {
        var form = Xlsx.UnitForm();
        var bytes = Xlsx.Edit(Xlsx.Write(form), (workbook, sheet) =>
            Xlsx.Set(sheet, "G" + Xlsx.RowOf(form, "service.satisfaction_rate"), 0.965, style: Xlsx.AddStyle(workbook, 10)));
        Assert.Equal(96.5, FormWorkbook.Read(bytes, Catalog).Entries.Single().Value.Value, 10);
    }

    [Fact]
    public void Hidden_rows_merged_value_cells_and_moved_rows_are_refused_rather_than_read_into_the_wrong_indicator()
    {
        var form = Xlsx.UnitForm();
        var cases = Xlsx.RowOf(form, "legalaid.cases");
        var consultations = Xlsx.RowOf(form, "legalaid.consultations");
        var activities = Xlsx.RowOf(form, "pufa.activities");
        var bytes = Xlsx.Edit(Xlsx.Write(form), (_, sheet) =>
        {
            Xlsx.Set(sheet, "G" + cases, 5);
            sheet.GetFirstChild<SheetData>()!.Elements<Row>().Single(r => r.RowIndex! == cases).Hidden = true;
            Xlsx.Set(sheet, "G" + consultations, 6);
            sheet.InsertAfter(new MergeCells(new MergeCell { Reference = $"G{consultations}:H{consultations}" }), sheet.GetFirstChild<SheetProtection>());
            Xlsx.Set(sheet, "C" + activities, "legalaid.cases");
            Xlsx.Set(sheet, "G" + activities, 7);
        });
        var filled = FormWorkbook.Read(bytes, Catalog);
        Assert.Empty(filled.Entries);
        Assert.Contains("隐藏", filled.Problems.Single(p => p.Row == cases).Message, StringComparison.Ordinal);
        Assert.Contains("合并单元格", filled.Problems.Single(p => p.Row == consultations).Message, StringComparison.Ordinal);
        Assert.Contains("重新生成", filled.Problems.Single(p => p.Row == activities).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("macro project", "宏")]
    [InlineData("macro content type", "宏")]
    [InlineData("not a zip", "不是 Excel")]
    [InlineData("legacy xls", ".xls")]
    [InlineData("truncated", "损坏")]
    [InlineData("no identity sheet", "不是本平台生成")]
    public void Hostile_or_foreign_files_are_refused_whole_with_a_clear_message(string what, string says)
    {
        var form = Xlsx.Write(Xlsx.UnitForm());
        var bytes = what switch
        {
            "macro project" => Xlsx.AddEntry(form, "xl/vbaProject.bin", new byte[64]),
            "macro content type" => Xlsx.AddEntry(form, "xl/extra.xml", "<x/>"u8.ToArray(),
                types => types.Replace("spreadsheetml.sheet.main+xml", "sheet.macroEnabled.main+xml", StringComparison.Ordinal)),
            "not a zip" => "year: 2025\nvalues: {}\n"u8.ToArray(),
            "legacy xls" => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
            "truncated" => form[..(form.Length / 2)],
            _ => ImportTemplate(),
        };
        var refused = Assert.Throws<WorkbookException>(() => FormWorkbook.Read(bytes, Catalog));
        Assert.Contains(says, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_of_broken_packages_are_Chinese_and_keep_the_parser_text_for_the_log_only()
    {
        // Generated: every part of the form (sheet, identity sheet, shared strings, workbook, content types) replaced
        // by a DTD, malformed XML or garbage, and the package cut at many lengths. The person reads Chinese; the
        // library's English sentence is the inner exception (the CLI's --verbose, the server's log).
        var form = Xlsx.Write(Xlsx.UnitForm());
        var parts = Entries(form);
        byte[][] contents =
        [
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet>&a;</worksheet>"u8.ToArray(),
            "<worksheet><sheetData><row><c>"u8.ToArray(),
            [0x00, 0xFF, 0xFE, 0x3C, 0x00, 0x01],
        ];
        var variants = parts.SelectMany(part => contents.Select(content => Xlsx.ReplaceEntry(form, part, content)))
            .Concat(Enumerable.Range(1, 12).Select(i => form[..(form.Length * i / 13)]));
        var checkedCount = 0;
        foreach (var bytes in variants)
        {
            WorkbookException refused;
            try
            {
                FormWorkbook.Read(bytes, Catalog);
                continue; // a part the form does not need may be broken harmlessly
            }
            catch (WorkbookException ex)
            {
                refused = ex;
            }

            checkedCount++;
            // Names in quotes (a sheet's) and the product words a message may use are not the parser speaking.
            var words = System.Text.RegularExpressions.Regex.Replace(refused.Message, "“[^”]*”|Excel|Office|assess template|xlsx|DTD|XML", "");
            Assert.DoesNotMatch("[A-Za-z]{3,}", words);
            Assert.NotNull(refused.InnerException ?? (object)refused.Message);
        }

        Assert.True(checkedCount >= parts.Count, $"only {checkedCount} variants were refused");
    }

    private static List<string> Entries(byte[] package)
    {
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(package));
        return zip.Entries.Where(e => e.FullName.EndsWith(".xml", StringComparison.Ordinal)).Select(e => e.FullName).ToList();
    }

    [Fact]
    public void A_zip_bomb_and_a_million_rows_are_refused_in_bounded_time()
    {
        var form = Xlsx.Write(Xlsx.UnitForm());
        var sheetPath = Xlsx.SheetPath(form);
        var clock = Stopwatch.StartNew();
        var bomb = Assert.Throws<WorkbookException>(() => FormWorkbook.Read(Xlsx.Bomb(form, 120, sheetPath), Catalog));
        Assert.Contains("过大", bomb.Message, StringComparison.Ordinal);

        // A million rows: too large a file for a form, and past the row limit of a prefecture table.
        Assert.Throws<WorkbookException>(() => FormWorkbook.Read(Xlsx.WithRows(form, 1_000_000, sheetPath), Catalog));
        var table = ImportTemplate();
        var rows = Assert.Throws<WorkbookException>(() => ImportWorkbook.Read(Xlsx.WithRows(table, 1_000_000, Xlsx.SheetPath(table)), Catalog));
        Assert.Contains("超过 20000 行", rows.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_prefecture_table_reads_units_by_row_reports_bad_cells_and_keeps_the_good_rows()
    {
        var table = Xlsx.Edit(ImportTemplate(), (workbook, sheet) =>
        {
            var header = sheet.GetFirstChild<SheetData>()!.Elements<Row>().Single(r => r.RowIndex! == 2);
            int Column(string code) => header.Elements<Cell>().ToList().FindIndex(c => c.InnerText.EndsWith($"（{code}）", StringComparison.Ordinal)) + 1;
            string At(string code, int row) => WorkbookReader.ColumnName(Column(code)) + row;
            Xlsx.Set(sheet, "A3", "alpha");
            Xlsx.Set(sheet, "B3", "u1");
            Xlsx.Set(sheet, At("legalaid.cases", 3), 4);
            Xlsx.Set(sheet, At("org.leading_group", 3), "是");
            Xlsx.Set(sheet, "A4", "alpha");
            Xlsx.Set(sheet, "B4", "二号单位");
            Xlsx.Set(sheet, At("legalaid.cases", 4), "四件");
            Xlsx.Set(sheet, "A5", "alpha");
            Xlsx.Set(sheet, "B5", "本级");
            Xlsx.Set(sheet, At("org.meetings", 5), "３");
            Xlsx.Set(sheet, "A6", "alpha");
            Xlsx.Set(sheet, "B6", "u1");
            Xlsx.Set(sheet, At("legalaid.cases", 6), 5);
        }, "全市汇总");
        var read = ImportWorkbook.Read(table, Catalog);
        Assert.Equal([3, 5], read.Rows.Select(r => r.Row));
        Assert.Equal("self", read.Rows[1].Unit);
        Assert.Equal(3, read.Rows[1].Values.Single().Value.Value);
        Assert.Contains(read.Problems, p => p.Row == 4 && p.Message.Contains("四件", StringComparison.Ordinal));
        Assert.Contains(read.Problems, p => p.Row == 6 && p.Message.Contains("第 3 行", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("１２３", 123.0)]
    [InlineData("1,234,567", 1234567.0)]
    [InlineData("-0", 0.0)]
    [InlineData("\u00A012\u3000", 12.0)]
    public void Typed_numbers_are_read_in_their_common_forms(string text, double expected) =>
        Assert.Equal(expected, FilledValue.Parse(text, Catalog["legalaid.cases"]).Value);

    [Theory]
    [InlineData("12,34")]
    [InlineData("1e5")]
    [InlineData("十二")]
    [InlineData("12 万元")]
    [InlineData("0x1F")]
    [InlineData("NaN")]
    public void Anything_else_is_refused_not_guessed(string text) =>
        Assert.Equal(FilledValueKind.Problem, FilledValue.Parse(text, Catalog["legalaid.cases"]).Kind);

    [Fact]
    public void The_form_identity_names_what_differs()
    {
        string[] codes = ["a", "b"];
        var current = FillInForm.Identity(2025, "default@1", codes);
        Assert.Null(FillInForm.Mismatch(current, current));
        Assert.Contains("2024 年度", FillInForm.Mismatch(FillInForm.Identity(2024, "default@1", codes), current)!, StringComparison.Ordinal);
        Assert.Contains("default@2", FillInForm.Mismatch(current, FillInForm.Identity(2025, "default@2", codes))!, StringComparison.Ordinal);
        Assert.Contains("指标目录", FillInForm.Mismatch(FillInForm.Identity(2025, "default@1", ["a"]), current)!, StringComparison.Ordinal);
        Assert.Contains("不是本平台", FillInForm.Mismatch("something", current)!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_prefilled_table_reads_back_as_the_same_units_and_values_whatever_their_names(int seed)
    {
        // Generated rosters whose names collide the ways a real one can: two units of a county with one name, a unit
        // named like another's id or like 本级, two counties with one name. Every row must read back naming the unit it
        // was written for, with its values exactly (flags as 是/否), and a unit without values as an empty row.
        var random = new Random(seed);
        string[] names = ["司法局", "公安局", "u1", "本级", "市场监管局"];
        var units = new List<ImportTemplateRow>();
        var expected = new Dictionary<(string County, string Unit), (string CountyId, string UnitId, Dictionary<string, double> Values)>();
        for (var c = 0; c < 3; c++)
        {
            var countyId = $"c{c}";
            var countyName = c < 2 && seed % 2 == 0 ? "同名县" : $"县{c}";
            units.Add(new ImportTemplateRow(countyId, countyName, "self", "本级", true, new Dictionary<string, double> { ["org.meetings"] = c + 1 }));
            for (var u = 0; u < 5; u++)
            {
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                if (random.Next(4) > 0)
                {
                    values["legalaid.cases"] = random.Next(0, 500);
                    values["org.leading_group"] = random.Next(2);
                }

                units.Add(new ImportTemplateRow(countyId, countyName, $"u{u}", names[random.Next(names.Length)], false, values));
            }
        }

        using var stream = new MemoryStream();
        ImportWorkbook.WriteTemplate(Catalog, 2025, units, stream);
        var read = ImportWorkbook.Read(stream.ToArray(), Catalog);

        Assert.Empty(read.Problems);
        var withValues = units.Where(u => u.Values.Count > 0).ToList();
        Assert.Equal(withValues.Count, read.Rows.Count);
        Assert.Equal(units.Count - withValues.Count, read.SkippedEmpty);
        foreach (var (row, unit) in read.Rows.Zip(withValues))
        {
            // What the import resolves, by the server's rule: an id first, then a name.
            var county = units.Where(u => u.CountyId == row.County).Select(u => u.CountyId).FirstOrDefault()
                ?? units.Where(u => u.CountyName == row.County).Select(u => u.CountyId).Distinct().Single();
            Assert.Equal(unit.CountyId, county);
            var inCounty = units.Where(u => u.CountyId == county && !u.IsCountySelf).ToList();
            var resolved = row.Unit == "self" ? "self"
                : inCounty.FirstOrDefault(u => u.UnitId == row.Unit)?.UnitId ?? inCounty.Single(u => u.UnitName == row.Unit).UnitId;
            Assert.Equal(unit.IsCountySelf ? "self" : unit.UnitId, resolved);
            Assert.Equal(unit.Values.OrderBy(v => v.Key, StringComparer.Ordinal), row.Values.Select(v => KeyValuePair.Create(v.Code, v.Value.Value)).OrderBy(v => v.Key, StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("yyyy\"年\"m\"月\"d\"日\"", true, false)]
    [InlineData("0\"人\"", false, false)]
    [InlineData("[Red]#,##0.00", false, false)]
    [InlineData("0.0%", false, true)]
    [InlineData("[h]:mm", true, false)]
    [InlineData("General", false, false)]
    public void Custom_number_formats_are_classified_without_their_quoted_text(string code, bool date, bool percent) =>
        Assert.Equal((date, percent), NumberFormats.Classify(code));

    private static byte[] ImportTemplate()
    {
        using var stream = new MemoryStream();
        ImportWorkbook.WriteTemplate(Catalog, 2025, [], stream);
        return stream.ToArray();
    }

}

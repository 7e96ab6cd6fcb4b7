using Assessment.Contracts.V1;
using Assessment.Domain.Tests;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Workbooks;
using DocumentFormat.OpenXml.Spreadsheet;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>Excel in, as clerks and assessors use it: the CLI against the real server, in a tenant of its own.</summary>
[Collection(PlatformCollection.Name)]
public sealed class WorkbookTests(PlatformFixture platform) : IAsyncLifetime
{
    private const int Year = 2025;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"xlsx-{Guid.NewGuid():N}");
    private string _assessor = "", _u1 = "", _u2 = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        (_assessor, _u1, _u2) = (tenant.Assessor, tenant.Units["u1"], tenant.Units["u2"]);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<(int Exit, string Out, string Err)> Assess(string key, params string[] args) => AssessCli.RunAsync(platform.Server, key, args);

    private Task<GetMySubmissionsResponse> Mine(string key) =>
        new SubmissionService.SubmissionServiceClient(platform.Server.Channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = Year }, As(key)).ResponseAsync;

    private static void Fill(string path, params (string Code, object? Value)[] values)
    {
        var bytes = Xlsx.Edit(File.ReadAllBytes(path), (_, sheet) =>
        {
            var rows = sheet.GetFirstChild<SheetData>()!.Elements<Row>().ToList();
            foreach (var (code, value) in values)
            {
                var row = rows.Single(r => r.Elements<Cell>().Any(c => c.CellReference!.Value!.StartsWith('C') && c.InnerText == code));
                Xlsx.Set(sheet, "G" + row.RowIndex!.Value, value);
            }
        });
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task A_generated_form_filled_in_and_submitted_is_stored_once_and_comes_back_prefilled()
    {
        var path = Path.Combine(_dir, "填报表.xlsx");
        var made = await Assess(_u1, "template", "--year", $"{Year}", "-o", path);
        Assert.True(made.Exit == 0, made.Err);
        Fill(path, ("legalaid.cases", 12), ("pufa.activities", "１５场"), ("service.satisfaction_rate", "96%"));

        var dry = await Assess(_u1, "submit", path, "--dry-run");
        Assert.True(dry.Exit == 0, dry.Err);
        Assert.Contains("试提交", dry.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Mine(_u1)).Version);

        var first = await Assess(_u1, "submit", path);
        Assert.True(first.Exit == 0, first.Err);
        var stored = await Mine(_u1);
        Assert.Equal(1, stored.Version);
        Assert.Equal(12, stored.Values.Single(v => v.Code == "legalaid.cases").Value);
        Assert.Equal(15, stored.Values.Single(v => v.Code == "pufa.activities").Value);
        Assert.Equal(96, stored.Values.Single(v => v.Code == "service.satisfaction_rate").Value);

        var again = await Assess(_u1, "submit", path);
        Assert.Contains("重复提交未重复计入", again.Out, StringComparison.Ordinal);
        Assert.Equal(1, (await Mine(_u1)).Version);

        // A new form shows this year's values in the value column.
        var next = Path.Combine(_dir, "再次.xlsx");
        Assert.Equal(0, (await Assess(_u1, "template", "--year", $"{Year}", "-o", next)).Exit);
        var reread = FormWorkbook.Read(await File.ReadAllBytesAsync(next), Domain.Catalog.IndicatorCatalog.Default);
        Assert.Equal(12, reread.Entries.Single(e => e.Code == "legalaid.cases").Value.Value);
    }

    [Fact]
    public async Task A_form_for_another_year_and_unreadable_cells_are_refused_and_nothing_is_stored()
    {
        var path = Path.Combine(_dir, "二号.xlsx");
        Assert.Equal(0, (await Assess(_u2, "template", "--year", $"{Year}", "-o", path)).Exit);
        Fill(path, ("legalaid.cases", 3));
        var otherYear = await Assess(_u2, "submit", path, "--year", "2026");
        Assert.Equal(5, otherYear.Exit);
        Assert.Contains("重新生成填报表", otherYear.Err, StringComparison.Ordinal); // the reason in words (FORM_OUTDATED is for programs)
        Assert.Contains($"{Year} 年度", otherYear.Err, StringComparison.Ordinal);

        Fill(path, ("legalaid.consultations", "约十件"));
        var bad = await Assess(_u2, "submit", path);
        Assert.Equal(4, bad.Exit);
        Assert.Contains("约十件", bad.Err, StringComparison.Ordinal);
        Assert.Contains(" G 列", bad.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await Mine(_u2)).Version);

        var macro = Path.Combine(_dir, "宏.xlsm");
        File.Copy(path, macro);
        Assert.Equal(4, (await Assess(_assessor, "import", "--year", $"{Year}", macro)).Exit);
    }

    [Fact]
    public async Task A_prefecture_table_stores_the_good_rows_once_and_writes_every_bad_row_to_an_error_workbook()
    {
        var path = Path.Combine(_dir, "全市汇总.xlsx");
        Assert.Equal(0, (await Assess(_assessor, "template", "--import", "--year", $"{Year}", "-o", path)).Exit);
        var bytes = Xlsx.Edit(await File.ReadAllBytesAsync(path), (_, sheet) =>
        {
            // The rows written here replace the roster's prefilled ones.
            foreach (var prefilled in sheet.GetFirstChild<SheetData>()!.Elements<Row>().Where(r => r.RowIndex! > 2).ToList())
            {
                prefilled.Remove();
            }

            var header = sheet.GetFirstChild<SheetData>()!.Elements<Row>().Single(r => r.RowIndex! == 2).Elements<Cell>().ToList();
            string At(string code, int row) => WorkbookReader.ColumnName(header.FindIndex(c => c.InnerText.EndsWith($"（{code}）", StringComparison.Ordinal)) + 1) + row;
            (string County, string Unit, string Code, object Value)[] rows =
            [
                ("c1", "u3", "legalaid.cases", 21),          // good, by id
                ("甲县", "二号单位", "legalaid.cases", 22),   // good, by name
                ("c1", "u9", "legalaid.cases", 1),           // not in the roster
                ("c1", "u1", "legalaid.cases", 1.5),         // a count with a fraction: refused by the server
                ("乙县", "u1", "legalaid.cases", "四次"),     // unreadable here: never sent
                ("c1", "本级", "org.meetings", 4),           // good: the county's own figures
            ];
            for (var i = 0; i < rows.Length; i++)
            {
                Xlsx.Set(sheet, $"A{i + 3}", rows[i].County);
                Xlsx.Set(sheet, $"B{i + 3}", rows[i].Unit);
                Xlsx.Set(sheet, At(rows[i].Code, i + 3), rows[i].Value);
            }
        }, "全市汇总");
        await File.WriteAllBytesAsync(path, bytes);

        var denied = await Assess(_u1, "import", "--year", $"{Year}", path);
        Assert.Equal(3, denied.Exit);

        var first = await Assess(_assessor, "import", "--year", $"{Year}", path);
        Assert.True(first.Exit == 4, first.Out + first.Err);
        Assert.Contains("已保存 3 行", first.Out, StringComparison.Ordinal);
        Assert.Contains("被拒绝 2 行", first.Out, StringComparison.Ordinal);
        var report = Path.Combine(_dir, "全市汇总.错误报告.xlsx");
        using (var reader = WorkbookReader.Open(await File.ReadAllBytesAsync(report), WorkbookLimits.Form))
        {
            var problems = reader.Read()!.Rows.Skip(1).Select(r => ((int)r[1]!.Number, r[5]!.Text)).ToList();
            Assert.Equal([5, 6, 7], problems.Select(p => p.Item1).Distinct().Order());
            Assert.Contains(problems, p => p.Item1 == 5 && p.Text.Contains("u9", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Item1 == 7 && p.Text.Contains("四次", StringComparison.Ordinal));
        }

        Assert.Equal(0, (await Mine(_u1)).Values.Count(v => v.Code == "legalaid.cases" && v.Value == 1.5));
        Assert.Equal(22, (await Mine(_u2)).Values.Single(v => v.Code == "legalaid.cases").Value);

        // The same file again (a retry after a lost answer): the good rows replay, nothing is stored twice.
        var versions = (await Mine(_u2)).Version;
        var retry = await Assess(_assessor, "import", "--year", $"{Year}", path);
        Assert.Contains("此前已导入（未重复保存）3 行", retry.Out, StringComparison.Ordinal);
        Assert.Equal(versions, (await Mine(_u2)).Version);
    }

    [Fact]
    public async Task The_table_comes_prefilled_imports_as_generated_without_a_change_and_a_corrected_cell_reaches_its_unit()
    {
        var client = new SubmissionService.SubmissionServiceClient(platform.Server.Channel);
        await client.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = Year,
            SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "legalaid.consultations", Value = 7, Note = "含转办件" } },
        }, As(_u2));
        var before = await Mine(_u2);

        var path = Path.Combine(_dir, "预填.xlsx");
        var made = await Assess(_assessor, "template", "--import", "--year", $"{Year}", "-o", path);
        Assert.True(made.Exit == 0, made.Err);
        Assert.Contains("4 行", made.Out, StringComparison.Ordinal); // 本级 and three units
        var table = ImportWorkbook.Read(await File.ReadAllBytesAsync(path), Domain.Catalog.IndicatorCatalog.Default);
        var u2Row = table.Rows.Single(r => r.Unit == "二号单位");
        Assert.Equal(7, u2Row.Values.Single(v => v.Code == "legalaid.consultations").Value.Value);

        // Straight after: every row with figures goes through, none changes a value, the unit's note stays.
        var asGenerated = await Assess(_assessor, "import", "--year", $"{Year}", path);
        Assert.True(asGenerated.Exit == 0, asGenerated.Out + asGenerated.Err);
        Assert.Contains("其中数值有变化 0 行", asGenerated.Out, StringComparison.Ordinal);
        var after = await Mine(_u2);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal("含转办件", after.Values.Single(v => v.Code == "legalaid.consultations").Note);

        // One corrected cell: stored for that unit only.
        var bytes = Xlsx.Edit(await File.ReadAllBytesAsync(path), (_, sheet) =>
        {
            var header = sheet.GetFirstChild<SheetData>()!.Elements<Row>().Single(r => r.RowIndex! == 2).Elements<Cell>().ToList();
            var column = WorkbookReader.ColumnName(header.FindIndex(c => c.InnerText.EndsWith("（legalaid.consultations）", StringComparison.Ordinal)) + 1);
            Xlsx.Set(sheet, column + u2Row.Row, 9);
        }, "全市汇总");
        await File.WriteAllBytesAsync(path, bytes);
        var corrected = await Assess(_assessor, "import", "--year", $"{Year}", path);
        Assert.True(corrected.Exit == 0, corrected.Out + corrected.Err);
        Assert.Contains("其中数值有变化 1 行", corrected.Out, StringComparison.Ordinal);
        var stored = await Mine(_u2);
        Assert.Equal((before.Version + 1, 9.0), (stored.Version, stored.Values.Single(v => v.Code == "legalaid.consultations").Value));

        // The listing names its county precisely, and only for assessors.
        foreach (var (county, status) in new[] { ("nowhere", StatusCode.NotFound), ("Bad County!", StatusCode.InvalidArgument) })
        {
            using var call = client.ListUnitValues(new ListUnitValuesRequest { Year = Year, County = county }, As(_assessor));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(status, refused.StatusCode);
        }

        using var one = client.ListUnitValues(new ListUnitValuesRequest { Year = Year, County = "c1" }, As(_assessor));
        var listed = new List<UnitValues>();
        await foreach (var unit in one.ResponseStream.ReadAllAsync())
        {
            listed.Add(unit);
        }

        Assert.Equal(["self", "u1", "u2", "u3"], listed.Select(u => u.Unit));
    }

    [Fact]
    public async Task The_import_stream_refuses_a_non_assessor_and_answers_each_row_on_its_own()
    {
        var client = new SubmissionService.SubmissionServiceClient(platform.Server.Channel);
        using (var call = client.ImportValues(As(_u1)))
        {
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await foreach (var _ in call.ResponseStream.ReadAllAsync())
                {
                }
            });
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }

        using var import = client.ImportValues(As(_assessor));
        await import.RequestStream.WriteAsync(new ImportRow { Row = 1, Year = Year, County = "c1", Unit = "u3", SubmissionId = "not-a-uuid" });
        await import.RequestStream.WriteAsync(new ImportRow { Row = 2, Year = 1900, County = "c1", Unit = "u3", SubmissionId = Guid.NewGuid().ToString() });
        await import.RequestStream.WriteAsync(new ImportRow { Row = 3, Year = Year, County = new string('x', 500), Unit = "u3", SubmissionId = Guid.NewGuid().ToString() });
        await import.RequestStream.WriteAsync(new ImportRow { Row = 4, Year = Year, County = "c1", Unit = "u3", SubmissionId = Guid.NewGuid().ToString(), DryRun = true, Values = { new IndicatorValue { Code = "legalaid.cases", Value = 30 } } });
        await import.RequestStream.CompleteAsync();
        var answers = new List<ImportRowResult>();
        await foreach (var answer in import.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer);
        }

        Assert.Equal([1, 2, 3, 4], answers.Select(a => a.Row).Order());
        Assert.All(answers.Where(a => a.Row < 4), a => Assert.Equal("INVALID_ARGUMENT", a.Status));
        Assert.True(answers.Single(a => a.Row == 4).Ok);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Assessment.Contracts.V1;
using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;
using Assessment.Workbooks;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// Excel in: <c>assess template</c> makes the fill-in workbook (or, with <c>--import</c>, the prefecture table),
/// <c>assess submit 填报表.xlsx</c> reads it back (<see cref="ReadForm"/>), <c>assess import</c> loads a prefecture table.
/// </summary>
public static class WorkbookCommands
{
    /// <summary>The unit id that names a county's own figures (县本级) in the import stream.</summary>
    private const string CountySelf = "self";

    public static Command Template()
    {
        var year = new Option<int>("--year") { Description = "填报年度", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "保存为（.xlsx）", Required = true };
        var import = new Option<bool>("--import") { Description = "生成考核办用的全市汇总表（每行一个单位，每列一项指标，预填各单位现有数值），而不是本单位的填报表" };
        var command = new Command("template", "生成 Excel 填报表：本单位须填报的指标、上年数值、数据校验；填好后用 assess submit 提交") { year, output, import };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(output)!;
            RequireXlsx(path);
            if (parse.GetValue(import))
            {
                // The columns are the tenant's own indicators of that year; the rows every unit with what it has now.
                var importYear = parse.GetValue(year);
                var catalog = await TenantCatalog.FetchAsync(parse, importYear, ct);
                var (listChannel, listOptions) = Connection.Open(parse, ct);
                var units = new List<ImportTemplateRow>();
                using (listChannel)
                {
                    using var call = new SubmissionService.SubmissionServiceClient(listChannel).ListUnitValues(new ListUnitValuesRequest { Year = importYear }, listOptions);
                    await foreach (var unit in call.ResponseStream.ReadAllAsync(ct))
                    {
                        units.Add(new ImportTemplateRow(unit.County, unit.CountyName, unit.Unit, unit.UnitName, unit.Unit == CountySelf,
                            unit.Values.Where(v => v.HasValue).ToDictionary(v => v.Code, v => v.Value, StringComparer.Ordinal)));
                    }
                }

                await using (var file = path.Create())
                {
                    ImportWorkbook.WriteTemplate(catalog, importYear, units, file);
                }

                var filled = units.Count(u => u.Values.Count > 0);
                Console.WriteLine($"已生成 {importYear} 年度全市汇总表（{units.Count} 行，其中 {filled} 行已有数值）：{path.FullName}");
                Console.WriteLine($"改正或补填单元格后导入：assess import --year {importYear} {Quote(path.Name)}（可先加 --dry-run 查看变化；未改动的行不会产生新版本）");
                return 0;
            }

            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var form = await new SubmissionService.SubmissionServiceClient(channel).GetFormAsync(new GetFormRequest { Year = parse.GetValue(year) }, options);
                var sheet = new FormSheet(form.FormId, form.Year, $"{form.CountyName}{(form.UnitName.Length > 0 ? " " + form.UnitName : "")}",
                    form.Scheme.Length == 0 ? "" : $"{form.SchemeName}（{form.Scheme}）",
                    form.Rows.Select(r => new FormSheetRow(r.Code, r.Name, r.Dimension, Enum.Parse<IndicatorKind>(r.Kind, ignoreCase: true), r.Measure, r.HasLastYear ? r.LastYear : null, r.HasCurrent ? r.Current : null, r.Guidance, r.Standard)).ToList());
                await using (var file = path.Create())
                {
                    FormWorkbook.Write(sheet, file);
                }

                Console.WriteLine($"已生成 {form.Year} 年度填报表（{form.Rows.Count} 项指标）：{path.FullName}");
                Console.WriteLine($"填好黄色的“本年数值”列后提交：assess submit {Quote(path.Name)}（可先加 --dry-run 试提交）");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Reads a filled-in form into a submission. Every unreadable cell is printed with its place and the command fails
    /// (exit 4) before anything is sent. The id derives from the form and what was read, so sending an unchanged
    /// workbook again (even re-saved by Excel) is a replay.
    /// </summary>
    public static SubmitIndicatorsRequest ReadForm(byte[] bytes, int? year, out byte[] identity)
    {
        var filled = FormWorkbook.Read(bytes, IndicatorCatalog.Default);
        foreach (var warning in filled.Warnings)
        {
            Console.Error.WriteLine("注意：" + warning);
        }

        if (filled.Problems.Count > 0)
        {
            foreach (var p in filled.Problems)
            {
                Console.Error.WriteLine($"  第 {p.Row} 行 {p.Column} 列：{p.Message}");
            }

            throw new InvalidInputException($"填报表有 {filled.Problems.Count} 处无法读取（见上），未提交任何数据；请修改后重新提交。");
        }

        if (filled.Entries.Count == 0)
        {
            throw new InvalidInputException("填报表中没有填写任何数值（“本年数值”列为空），未提交。");
        }

        var request = new SubmitIndicatorsRequest { Year = year ?? filled.Year, FormId = filled.FormId };
        var canonical = new StringBuilder(filled.FormId);
        foreach (var e in filled.Entries)
        {
            var value = new IndicatorValue { Code = e.Code, Note = e.Note ?? "" };
            if (e.Value.Kind == FilledValueKind.Value)
            {
                value.Value = e.Value.Value;
            }

            request.Values.Add(value);
            canonical.Append('\n').Append(e.Code).Append('=').Append(value.HasValue ? value.Value.ToString("R", CultureInfo.InvariantCulture) : "~").Append('|').Append(e.Note);
        }

        identity = Encoding.UTF8.GetBytes(canonical.ToString());
        return request;
    }

    public static Command Import()
    {
        var year = new Option<int>("--year") { Description = "导入年度", Required = true };
        var file = new Argument<FileInfo>("FILE") { Description = "全市汇总表（.xlsx）：表头有“县（区）”“单位”两列，其余各列为指标（代码或名称）；每行一个单位，“本级”表示县（区）自身" };
        var dryRun = new Option<bool>("--dry-run") { Description = "只校验并报告，不保存" };
        var errors = new Option<FileInfo?>("--errors") { Description = "错误报告保存为（默认：与导入文件同目录的“<文件名>.错误报告.xlsx”）" };
        var command = new Command("import", "考核办批量导入全市各单位某年度的数值（每行独立保存；出错的行写入错误报告，其余照常保存）") { file, year, dryRun, errors };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"找不到文件 {path.FullName}");
            }

            RequireXlsx(path);
            var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            var importYear = parse.GetValue(year);
            var table = ImportWorkbook.Read(bytes, await TenantCatalog.FetchAsync(parse, importYear, ct));
            var problems = table.Problems.Select(p => (p.Row, p.Column, County: "", Unit: "", p.Message)).ToList();
            var byRow = table.Rows.ToDictionary(r => r.Row);
            var fileDigest = SHA256.HashData(bytes);
            var (channel, options) = Connection.Open(parse, ct);
            int stored = 0, changed = 0, replayed = 0, refused = 0;
            using (channel)
            {
                var client = new SubmissionService.SubmissionServiceClient(channel);
                // The whole stream may take a while on a large table; the deadline grows with the rows.
                var deadline = DateTime.UtcNow.AddSeconds(parse.GetValue(Connection.Timeout) + table.Rows.Count / 10.0);
                await LongWork.RunAsync(table.Rows.Count, $"导入 {table.Rows.Count} 行", async step =>
                {
                    using var call = client.ImportValues(options.WithDeadline(deadline));
                    var reading = Task.Run(async () =>
                    {
                        await foreach (var answer in call.ResponseStream.ReadAllAsync(ct))
                        {
                            if (!byRow.TryGetValue(answer.Row, out var row))
                            {
                                continue;
                            }

                            if (answer.Ok)
                            {
                                Interlocked.Increment(ref answer.Replayed ? ref replayed : ref stored);
                                if (!answer.Replayed && answer.Changed > 0)
                                {
                                    Interlocked.Increment(ref changed);
                                }
                            }
                            else
                            {
                                Interlocked.Increment(ref refused);
                                lock (problems)
                                {
                                    if (answer.Problems.Count == 0)
                                    {
                                        problems.Add((row.Row, "", row.County, row.Unit, answer.Message));
                                    }

                                    problems.AddRange(answer.Problems.Select(p => (row.Row, table.ColumnOfCode.GetValueOrDefault(p.Code, p.Code), row.County, row.Unit, p.Message)));
                                }
                            }

                            step();
                        }
                    }, ct);
                    Exception? sending = null;
                    try
                    {
                        foreach (var row in table.Rows)
                        {
                            await call.RequestStream.WriteAsync(ToRequest(row, importYear, parse.GetValue(dryRun), fileDigest), ct);
                        }

                        await call.RequestStream.CompleteAsync();
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or RpcException)
                    {
                        // The server ended the call (a refused key, the server going away): its status comes with the
                        // answers, so the failure is reported as what it is, not as a failed write.
                        sending = ex;
                    }

                    await reading;
                    if (sending is not null)
                    {
                        throw sending;
                    }
                });
            }

            var verb = parse.GetValue(dryRun) ? "可保存" : "已保存";
            var unreadable = table.Problems.Select(p => p.Row).Distinct().Count();
            Console.WriteLine($"共 {table.Rows.Count + unreadable} 行：{verb} {stored} 行（其中数值有变化 {changed} 行），此前已导入（未重复保存）{replayed} 行，被拒绝 {refused} 行，文件中无法读取 {unreadable} 行，空行 {table.SkippedEmpty} 行。");
            if (problems.Count == 0)
            {
                return 0;
            }

            var report = parse.GetValue(errors) ?? new FileInfo(Path.Combine(path.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(path.Name) + ".错误报告.xlsx"));
            await using (var output = report.Create())
            {
                ImportWorkbook.WriteProblems(problems, output);
            }

            foreach (var p in problems.Take(10))
            {
                Console.Error.WriteLine($"  第 {p.Row} 行{(p.Column.Length > 0 ? " " + p.Column + " 列" : "")}：{p.Message}");
            }

            Console.Error.WriteLine($"{problems.Count} 个问题已写入错误报告：{report.FullName}；出错的行未保存，修改后用同一命令重新导入即可（已保存的行不会重复保存）。");
            return Failures.Validation;
        });
        return command;
    }

    /// <summary>A row's id derives from the file, the row and the year: re-importing the same file replays, never doubles.</summary>
    private static ImportRow ToRequest(ImportSheetRow row, int year, bool dryRun, byte[] fileDigest)
    {
        var id = SHA256.HashData([.. fileDigest, .. Encoding.UTF8.GetBytes($"\n{row.Row}|{row.County}|{row.Unit}|{year}|{dryRun}")]);
        var request = new ImportRow
        {
            Row = row.Row,
            Year = year,
            County = row.County,
            Unit = row.Unit,
            SubmissionId = new Guid(id.AsSpan(0, 16)).ToString(),
            DryRun = dryRun,
        };
        foreach (var (code, value, _) in row.Values)
        {
            var item = new IndicatorValue { Code = code };
            if (value.Kind == FilledValueKind.Value)
            {
                item.Value = value.Value;
            }

            request.Values.Add(item);
        }

        return request;
    }

    private static void RequireXlsx(FileInfo path)
    {
        var extension = path.Extension.ToUpperInvariant();
        if (extension == ".XLSM")
        {
            throw new InvalidInputException("含宏的工作簿（.xlsm）不予受理：请另存为“Excel 工作簿（.xlsx）”。");
        }

        if (extension != ".XLSX")
        {
            throw new UsageException($"文件须为 .xlsx（Excel 工作簿），而不是 {(path.Extension.Length == 0 ? "无扩展名的文件" : path.Extension)}。");
        }
    }

    public static bool IsWorkbook(FileInfo path) => path.Extension.ToUpperInvariant() is ".XLSX" or ".XLSM" or ".XLS";

    private static string Quote(string name) => name.Contains(' ', StringComparison.Ordinal) ? $"\"{name}\"" : name;
}

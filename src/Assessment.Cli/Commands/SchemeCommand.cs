using System.CommandLine;
using System.Globalization;
using Assessment.Contracts.V1;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess scheme simulate --scheme FILE --year 2024</c>: what a draft scheme would do, changing nothing;
/// <c>assess scheme export</c> / <c>import</c>: the 细则 as the workbook prefectures publish, and back.
/// </summary>
public static class SchemeCommand
{
    public static Command Create()
    {
        var scheme = new Option<FileInfo>("--scheme") { Description = "评分细则草案文件（YAML）", Required = true };
        var year = new Option<int>("--year") { Description = "考核年度", Required = true };
        var simulate = new Command("simulate", "用评分细则草案试算某年度的排名与等次（不改动已固定的细则与结果）") { scheme, year };
        simulate.SetAction(async (parse, ct) =>
        {
            var file = parse.GetRequiredValue(scheme);
            if (!file.Exists)
            {
                throw new UsageException($"找不到文件 {file.FullName}");
            }

            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                var result = await new AssessmentService.AssessmentServiceClient(channel).SimulateSchemeAsync(new SimulateSchemeRequest
                {
                    Year = parse.GetValue(year),
                    SchemeYaml = await File.ReadAllTextAsync(file.FullName, ct),
                }, options);
                Console.WriteLine($"试算：{result.Draft.Year} 年度，评分细则草案 {result.Draft.Scheme}（未保存）");
                var table = new TextTable("排名", "县（区）", "总分", "等次");
                foreach (var e in result.Draft.Entries)
                {
                    table.Add(e.Rank.ToString(CultureInfo.InvariantCulture), e.Name, TextTable.Number(e.Total), e.Grade + (e.LimitedByQuota ? "（限于比例）" : ""));
                }

                Console.Write(table);
                Console.WriteLine("等次分布：" + string.Join("，", result.GradeCounts.Select(g => $"{g.Grade} {g.Count} 个")));
                if (result.Moved.Count == 0)
                {
                    Console.WriteLine("与现行细则相比，没有县（区）的名次或等次发生变化。");
                    return 0;
                }

                Console.WriteLine("名次或等次发生变化的县（区）：");
                var moved = new TextTable("县（区）", "现排名", "试算排名", "现等次", "试算等次", "现总分", "试算总分");
                foreach (var m in result.Moved)
                {
                    moved.Add(m.Name, m.CurrentRank.ToString(CultureInfo.InvariantCulture), m.DraftRank.ToString(CultureInfo.InvariantCulture),
                        m.CurrentGrade, m.DraftGrade, TextTable.Number(m.CurrentTotal), TextTable.Number(m.DraftTotal));
                }

                Console.Write(moved);
            }

            return 0;
        });
        return new Command("scheme", "评分细则（考核评分细则）") { simulate, Export(), Import() };
    }

    private static Command Export()
    {
        var year = new Option<int>("--year") { Description = "导出该年度考核固定的评分细则" };
        var from = new Option<FileInfo?>("--scheme") { Description = "改为导出此评分细则文件（YAML），如平台默认细则的副本" };
        var format = new Option<string>("--format") { Description = "xlsx（默认，一级指标、二级指标、三级指标、分值、评分标准、考核方式）或 yaml", DefaultValueFactory = _ => "xlsx" };
        format.AcceptOnlyFromAmong("xlsx", "yaml");
        var output = new Option<FileInfo>("--output", "-o") { Description = "保存为", Required = true };
        var command = new Command("export", "导出评分细则：Excel 表格（可在 Excel 中修改后用 assess scheme import 读回）或 YAML") { year, from, format, output };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(year) == 0 && parse.GetValue(from) is null)
            {
                throw new UsageException("请用 --year 指明年度（导出该年度固定的细则），或用 --scheme 指明细则文件。");
            }

            var (channel, options) = Connection.Open(parse, ct);
            using (channel)
            {
                string yaml;
                if (parse.GetValue(from) is { } file)
                {
                    yaml = file.Exists ? await File.ReadAllTextAsync(file.FullName, ct) : throw new UsageException($"找不到文件 {file.FullName}");
                }
                else
                {
                    var round = await new AssessmentService.AssessmentServiceClient(channel).GetRoundAsync(
                        new GetRoundRequest { Year = parse.GetValue(year), WithSchemeText = true }, options);
                    yaml = round.SchemeYaml;
                }

                var catalog = await TenantCatalog.FetchAsync(channel, options, parse.GetValue(year));
                var scheme = Domain.Scoring.SchemeLoader.Load(yaml, parse.GetValue(from)?.Name ?? "评分细则", catalog);
                var path = parse.GetValue(output)!;
                if (parse.GetValue(format) == "yaml")
                {
                    await File.WriteAllTextAsync(path.FullName, Domain.Scoring.SchemeWriter.Write(scheme), ct);
                }
                else
                {
                    await using var stream = path.Create();
                    Workbooks.SchemeWorkbook.Write(scheme, catalog, stream);
                }

                Console.WriteLine($"已导出评分细则 {scheme.Name}（{scheme.Id}，{scheme.Dimensions.Sum(d => d.Lines.Count).ToString(CultureInfo.InvariantCulture)} 项计分指标）：{path.FullName}");
            }

            return 0;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "用 assess scheme export 导出并在 Excel 中修改过的评分细则（.xlsx）" };
        var year = new Option<int>("--year") { Description = "按该年度固定的指标目录核对（默认：最新版）" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "保存为评分细则文件（YAML），供 assess round define --scheme 或 assess scheme simulate 使用", Required = true };
        var version = new Option<int>("--new-version") { Description = "保存为细则的新版本号（替换已固定的细则时须高于原版本）" };
        var command = new Command("import", "读回 Excel 评分细则，核对后保存为评分细则文件（YAML）") { file, year, output, version };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"找不到文件 {path.FullName}");
            }

            var catalog = await TenantCatalog.FetchAsync(parse, parse.GetValue(year), ct);
            var sheet = Workbooks.SchemeWorkbook.Read(await File.ReadAllBytesAsync(path.FullName, ct), catalog);
            if (sheet.Problems.Count > 0)
            {
                foreach (var p in sheet.Problems)
                {
                    Console.Error.WriteLine($"  第 {p.Row} 行 {p.Column} 列：{p.Message}");
                }

                throw new InvalidInputException($"评分细则有 {sheet.Problems.Count} 处无法读取（见上），未保存；请修改后重新导入。");
            }

            // The loader's rules (weights add up to 100, rules fit their indicators, …) with their fields.
            var scheme = Domain.Scoring.SchemeLoader.Load(sheet.Yaml!, path.Name, catalog);
            if (parse.GetValue(version) is > 0 and var next)
            {
                scheme = scheme with { Version = next };
            }

            await File.WriteAllTextAsync(parse.GetValue(output)!.FullName, Domain.Scoring.SchemeWriter.Write(scheme), ct);
            Console.WriteLine($"已读回评分细则 {scheme.Name}（{scheme.Id}）：{scheme.Dimensions.Count.ToString(CultureInfo.InvariantCulture)} 个一级指标，"
                + $"{scheme.Dimensions.Sum(d => d.Lines.Count).ToString(CultureInfo.InvariantCulture)} 项计分指标 → {parse.GetValue(output)!.FullName}");
            Console.WriteLine("修改后的细则须提高 version 才能替换已固定的细则；可先用 assess scheme simulate 试算。");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Assessment.Domain.Catalog;
using Assessment.Domain.Extraction;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess extract REPORT.txt [--json] [--year Y]</c> proposes catalog values from an annual report, with evidence;
/// <c>assess extract --eval DIR</c> scores the extractor on labelled reports. Runs offline: nothing is sent anywhere.
/// </summary>
public static class ExtractCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static Command Create()
    {
        var report = new Argument<FileInfo?>("REPORT") { Description = "年度报告文本文件（UTF-8）", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "以 JSON 输出：{\"values\": {代码: 数值}, \"evidence\": {代码: 原文}, \"warnings\": [...]}" };
        var year = new Option<int?>("--year") { Description = "报告所属年度（写入 JSON 输出）" };
        var eval = new Option<DirectoryInfo?>("--eval") { Description = "评测：对目录中的 *.txt 与 *.expected.json 计算准确率、召回率与 F1" };
        var command = new Command("extract", "从法治政府建设年度报告中提取指标数值（附原文依据）") { report, json, year, eval };
        command.SetAction(parse =>
        {
            if (parse.GetValue(eval) is { } dir)
            {
                return Evaluate(dir);
            }

            var file = parse.GetValue(report) ?? throw new UsageException("请指定报告文件，或用 --eval 目录 进行评测。");
            var result = ReportExtractor.Default.Extract(Read(file));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    year = parse.GetValue(year),
                    values = result.Proposals.ToDictionary(p => p.Code, p => p.Value),
                    evidence = result.Proposals.ToDictionary(p => p.Code, p => p.Evidence),
                    warnings = result.Warnings,
                }, Json));
                return 0;
            }

            Print(result);
            return 0;
        });
        return command;
    }

    public static string Read(FileInfo file) =>
        file.Exists ? File.ReadAllText(file.FullName) : throw new UsageException($"找不到文件 {file.FullName}");

    /// <summary>The proposals as a table a person checks against the report.</summary>
    public static void Print(ExtractionResult result)
    {
        var catalog = IndicatorCatalog.Default;
        var table = new TextTable("代码", "名称", "数值", "依据（原文）");
        foreach (var p in result.Proposals)
        {
            var evidence = string.Join(" ", p.Evidence.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            table.Add(p.Code, catalog[p.Code].Name, p.Value.ToString("0.##", CultureInfo.InvariantCulture), evidence.Length > 40 ? evidence[..40] + "…" : evidence);
        }

        Console.Write(table);
        Console.WriteLine($"共提取 {result.Proposals.Count} 项。");
        foreach (var warning in result.Warnings)
        {
            Console.WriteLine("提示：" + warning);
        }
    }

    private static int Evaluate(DirectoryInfo dir)
    {
        if (!dir.Exists)
        {
            throw new UsageException($"找不到目录 {dir.FullName}");
        }

        var reports = dir.GetFiles("*.txt").OrderBy(f => f.Name, StringComparer.Ordinal)
            .Where(f => File.Exists(Path.ChangeExtension(f.FullName, null) + ".expected.json"))
            .Select(f => LabelledReport.Load(f.FullName))
            .ToList();
        if (reports.Count == 0)
        {
            throw new UsageException($"{dir.FullName} 中没有成对的 *.txt 与 *.expected.json。");
        }

        var (overall, scores) = ExtractionEvaluation.Evaluate(ReportExtractor.Default, reports);
        var table = new TextTable("报告", "正确", "错误", "遗漏", "准确率", "召回率", "F1");
        foreach (var s in scores.Append(overall))
        {
            table.Add(s.Name == "overall" ? "合计" : s.Name, s.TruePositives.ToString(CultureInfo.InvariantCulture), s.FalsePositives.ToString(CultureInfo.InvariantCulture),
                s.Misses.ToString(CultureInfo.InvariantCulture), P(s.Precision), P(s.Recall), P(s.F1));
        }

        Console.Write(table);
        foreach (var s in scores.Where(s => s.Errors.Count > 0))
        {
            Console.WriteLine($"{s.Name}:");
            foreach (var e in s.Errors)
            {
                Console.WriteLine("  " + e.Replace("\n", " ", StringComparison.Ordinal));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"precision {overall.Precision:0.000}  recall {overall.Recall:0.000}  F1 {overall.F1:0.000}"));
        return 0;

        static string P(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
    }
}

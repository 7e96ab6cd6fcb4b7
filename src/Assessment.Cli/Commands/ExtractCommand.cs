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
        var report = new Argument<FileInfo?>("REPORT") { Description = "年度报告：文本（UTF-8/UTF-16/GB18030）、PDF（含文字层）、Word（.docx）或网页（.html）", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "以 JSON 输出：{\"values\": {代码: 数值}, \"evidence\": {代码: 原文}, \"confidence\": {代码: 置信度}, \"suggestions\": {代码: 待核实项}, \"warnings\": [...]}；values 只含会自动填入的数值（置信度达到模型的自动填入阈值）" };
        var year = new Option<int?>("--year") { Description = "报告所属年度（写入 JSON 输出）" };
        var eval = new Option<DirectoryInfo[]>("--eval") { HelpName = "目录…", Description = "评测：对目录中的 *.txt 与 *.expected.json 计算精确率、召回率与 F1（可在其后列出多个目录）；不加 --cv 时是在模型训练所用的报告上评测（样本内）", AllowMultipleArgumentsPerToken = true };
        var cv = new Option<int?>("--cv") { HelpName = "K", Description = "与 --eval 同用：按报告分组的 K 折嵌套交叉验证（模型只用其他折的报告训练，置信度校准与自动填入阈值在训练折内再做 K 折交叉验证选定），按层级与省份分别报告" };
        var train = new Option<DirectoryInfo[]>("--train") { HelpName = "目录…", Description = "用目录中的已标注报告训练提取模型（可多次指定），写入 -o 指定的目录", AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "与 --train 同用：数据目录（如 src/Assessment.Domain/Data），写入 extraction-model.json" };
        var command = new Command("extract", "从法治政府建设年度报告中提取指标数值（附原文依据）。离线运行，按全国默认指标目录；按本地区当年的指标目录（含自定指标）提取请用 assess submit --from-report 报告 --dry-run，或在工作台填报页上传报告") { report, json, year, eval, cv, train, output };
        command.SetAction(parse =>
        {
            if (parse.GetValue(train) is { Length: > 0 } corpora)
            {
                return Train(Labelled(corpora), parse.GetValue(output) ?? throw new UsageException("--train 须用 -o 指定数据目录。"));
            }

            if (parse.GetValue(cv) is not null && parse.GetValue(eval) is not { Length: > 0 })
            {
                throw new UsageException("--cv 须与 --eval 同用，如：assess extract --eval 目录 --cv 5");
            }

            if (parse.GetValue(eval) is { Length: > 0 } dirs)
            {
                if (parse.GetValue(report) is not null)
                {
                    throw new UsageException("--eval 评测目录中的已标注报告，不能同时指定报告文件。");
                }

                return parse.GetValue(cv) is { } k ? CrossValidate(dirs, k) : Evaluate(Labelled(dirs));
            }

            var file = parse.GetValue(report) ?? throw new UsageException("请指定报告文件，或用 --eval 目录 进行评测。");
            var document = ReadReport(file);
            var result = ReportExtractor.Default.Extract(document.Text);
            if (parse.GetValue(json))
            {
                // values: what a unit would have pre-filled; suggestions: what it would be asked to check.
                var prefilled = result.Proposals.Where(p => !p.Suggestion).ToList();
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    year = parse.GetValue(year),
                    values = prefilled.ToDictionary(p => p.Code, p => p.Value),
                    evidence = prefilled.ToDictionary(p => p.Code, p => p.Evidence),
                    confidence = prefilled.ToDictionary(p => p.Code, p => p.Confidence),
                    suggestions = result.Proposals.Where(p => p.Suggestion).ToDictionary(p => p.Code, p => new { value = p.Value, evidence = p.Evidence, confidence = p.Confidence }),
                    warnings = result.Warnings,
                }, Json));
                return 0;
            }

            Print(result, document);
            return 0;
        });
        return command;
    }

    /// <summary>A report file in any format counties have (text, PDF, Word, web page), read with limits.</summary>
    public static Assessment.Documents.ReportText ReadReport(FileInfo file) =>
        file.Exists
            ? Assessment.Documents.ReportReader.Read(File.ReadAllBytes(file.FullName), file.Name)
            : throw new UsageException($"找不到文件 {file.FullName}");

    public static string Read(FileInfo file) => ReadReport(file).Text;

    /// <summary>The proposals as a table a person checks against the report.</summary>
    public static void Print(ExtractionResult result, Assessment.Documents.ReportText? document = null)
    {
        var catalog = IndicatorCatalog.Default;
        var paged = document?.Format == "pdf";
        var table = new TextTable("代码", "名称", "数值", "置信度", paged ? "依据（原文，页码）" : "依据（原文）");
        foreach (var p in result.Proposals)
        {
            var evidence = string.Join(" ", p.Evidence.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            table.Add(p.Code, catalog[p.Code].Name, p.Value.ToString("0.##", CultureInfo.InvariantCulture) + (p.Suggestion ? "（待核实）" : ""),
                p.Confidence.ToString("0.00", CultureInfo.InvariantCulture),
                (evidence.Length > 40 ? evidence[..40] + "…" : evidence) + (paged ? $"（第 {document!.PageOf(p.Start)} 页）" : ""));
        }

        Console.Write(table);
        var suggestions = result.Proposals.Count(p => p.Suggestion);
        Console.WriteLine(suggestions == 0
            ? $"共提取 {result.Proposals.Count} 项。"
            : $"共提取 {result.Proposals.Count} 项，其中 {suggestions} 项置信度低于 {ReportExtractor.Default.PrefillConfidence:0.00} 或该指标尚无标注数据，标为“待核实”，不会自动填入。");
        foreach (var warning in result.Warnings)
        {
            Console.WriteLine("提示：" + warning);
        }
    }

    private static List<LabelledReport> Labelled(IEnumerable<DirectoryInfo> dirs)
    {
        var reports = new List<LabelledReport>();
        foreach (var dir in dirs)
        {
            if (!dir.Exists)
            {
                throw new UsageException($"找不到目录 {dir.FullName}");
            }

            var found = dir.GetFiles("*.txt").OrderBy(f => f.Name, StringComparer.Ordinal)
                .Where(f => File.Exists(Path.ChangeExtension(f.FullName, null) + ".expected.json"))
                .Select(f => LabelledReport.Load(f.FullName))
                .ToList();
            reports.AddRange(found.Count > 0 ? found : throw new UsageException($"{dir.FullName} 中没有成对的 *.txt 与 *.expected.json。"));
        }

        // Folds are dealt by name: one report in two folds would be read by a model trained on it.
        if (reports.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UsageException($"已标注报告 {twice.Key} 出现了不止一次（各目录中的报告名须互不相同）。");
        }

        return reports;
    }

    private static int Train(List<LabelledReport> reports, DirectoryInfo output)
    {
        if (!output.Exists)
        {
            throw new UsageException($"找不到目录 {output.FullName}");
        }

        var model = ProposalModelTraining.Fit(reports, new ReportExtractor(IndicatorCatalog.Default, CueBook.Default));
        var file = Path.Combine(output.FullName, "extraction-model.json");
        File.WriteAllText(file, model.ToJson() + "\n");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"已用 {reports.Count} 份已标注报告训练提取模型：{model.Trained.Count} 个指标在训练报告中有提取正确的候选，{model.Weights.Count + model.Wording.Values.Sum(w => w.Count)} 个特征权重，自动填入阈值 {model.Prefill:0.00}（训练报告内 {ProposalModelTraining.InnerFolds} 折交叉验证、精确率 ≥ {ProposalModelTraining.TargetPrecision:0.00} 选定）→ {file}"));
        return 0;
    }

    /// <summary>K-fold cross-validation, overall and for each corpus (directory) separately.</summary>
    private static int CrossValidate(DirectoryInfo[] dirs, int k)
    {
        if (k < 2)
        {
            throw new UsageException("--cv 须至少为 2。");
        }

        var byDir = dirs.ToDictionary(d => d, d => Labelled([d]));
        var all = byDir.Values.SelectMany(r => r).ToList();
        if (k > all.Count)
        {
            Console.WriteLine($"提示：只有 {all.Count} 份已标注报告，按 {all.Count} 折（每折一份）交叉验证。");
            k = all.Count;
        }

        var result = CrossValidation.Run(all, k, IndicatorCatalog.Default, CueBook.Default);
        Print(result.Reports, result.Overall);
        var scores = result.Reports.ToDictionary(r => r.Name, StringComparer.Ordinal);
        PrintGroups("语料", byDir.Select(e => (e.Key.Name, e.Value)), scores);
        PrintGroups("层级", all.GroupBy(r => r.Level).OrderBy(g => g.Key).Select(g => (Level(g.Key), g.ToList())), scores);
        PrintGroups("省份", all.GroupBy(r => r.Province.Length == 0 ? "未注明" : r.Province).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.ToList())), scores);
        Console.WriteLine("各折自动填入阈值：" + string.Join(" ", result.Thresholds.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture))));
        PrintCalibration(result.Overall);
        Console.WriteLine("计数：填错的值同时计为遗漏（该指标没有自动填入正确的值）；没有自动填入任何值时精确率记为 1。");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k} 折嵌套交叉验证（样本外）：precision {result.Overall.Precision:0.000}  recall {result.Overall.Recall:0.000}  F1 {result.Overall.F1:0.000}（精确率、召回率、F1）"));
        return 0;
    }

    private static string Level(ReportLevel level) => level switch
    {
        ReportLevel.Department => "县直部门",
        ReportLevel.Township => "乡镇（街道）",
        _ => "县（市、区）",
    };

    /// <summary>Cross-validated scores summed over groups of reports (a corpus, a level, a province).</summary>
    private static void PrintGroups(string title, IEnumerable<(string Name, List<LabelledReport> Reports)> groups, IReadOnlyDictionary<string, EvaluationScore> scores)
    {
        var table = new TextTable(title, "报告", "标注值", "正确", "错误", "遗漏", "精确率", "召回率", "待核实（对/错）");
        foreach (var (name, reports) in groups)
        {
            var s = EvaluationScore.Sum(name, reports.Select(r => scores[r.Name]));
            table.Add(name, reports.Count.ToString(CultureInfo.InvariantCulture), (s.TruePositives + s.Misses).ToString(CultureInfo.InvariantCulture),
                s.TruePositives.ToString(CultureInfo.InvariantCulture), s.FalsePositives.ToString(CultureInfo.InvariantCulture), s.Misses.ToString(CultureInfo.InvariantCulture),
                s.Precision.ToString("0.000", CultureInfo.InvariantCulture), s.Recall.ToString("0.000", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{s.SuggestedRight}/{s.SuggestedWrong}"));
        }

        Console.Write(table);
    }

    private static int Evaluate(List<LabelledReport> reports)
    {
        var (overall, scores) = ExtractionEvaluation.Evaluate(ReportExtractor.Default, reports);
        Print(scores, overall);
        PrintCalibration(overall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"precision {overall.Precision:0.000}  recall {overall.Recall:0.000}  F1 {overall.F1:0.000}（精确率、召回率、F1）"));
        Console.WriteLine("注意：这是在模型训练所用的已标注报告上评测（样本内），不是对新报告的度量；用 --cv K 做按报告分组的交叉验证。");
        return 0;
    }

    /// <summary>How right the proposals of each confidence band were: a calibrated band is right about as often as it says.</summary>
    private static void PrintCalibration(EvaluationScore overall)
    {
        Console.WriteLine("置信度校准（全部提议，含待核实）：");
        var table = new TextTable("置信度", "提议", "正确", "平均置信度", "实际精确率");
        foreach (var band in Calibration.Bands(overall.Outcomes))
        {
            table.Add(string.Create(CultureInfo.InvariantCulture, $"[{band.Low:0.00}, {Math.Min(band.High, 1):0.00}{(band.High > 1 ? "]" : ")")}"), band.Proposals.ToString(CultureInfo.InvariantCulture),
                band.Right.ToString(CultureInfo.InvariantCulture),
                band.Proposals == 0 ? "–" : band.MeanConfidence.ToString("0.000", CultureInfo.InvariantCulture),
                band.Proposals == 0 ? "–" : band.Precision.ToString("0.000", CultureInfo.InvariantCulture));
        }

        Console.Write(table);
    }

    private static void Print(IReadOnlyList<EvaluationScore> scores, EvaluationScore overall)
    {
        var table = new TextTable("报告", "正确", "错误", "遗漏", "精确率", "召回率", "F1", "待核实（对/错）");
        foreach (var s in scores.Append(overall))
        {
            table.Add(s.Name == "overall" ? "合计" : s.Name, s.TruePositives.ToString(CultureInfo.InvariantCulture), s.FalsePositives.ToString(CultureInfo.InvariantCulture),
                s.Misses.ToString(CultureInfo.InvariantCulture), P(s.Precision), P(s.Recall), P(s.F1),
                string.Create(CultureInfo.InvariantCulture, $"{s.SuggestedRight}/{s.SuggestedWrong}"));
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

        static string P(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
    }
}

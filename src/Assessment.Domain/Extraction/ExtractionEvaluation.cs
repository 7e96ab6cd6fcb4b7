using System.Text.Json;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Extraction;

/// <summary>One labelled report: the values a correct extractor gives and the other numbers that also count.</summary>
public sealed record LabelledReport(string Name, string Text, IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, double[]> Alternatives)
{
    /// <summary>The phrase of the report that states each labelled value (verbatim).</summary>
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();

    /// <summary>Phrases with clear figures that no catalog code covers: what an extractor must not take.</summary>
    public IReadOnlyList<string> Uncatalogued { get; init; } = [];

    /// <summary>Who wrote the report, as labelled (county, department, township).</summary>
    public ReportLevel Level { get; init; }

    /// <summary>The province the report's entity lies in, from the corpus's README table ("" when not listed).</summary>
    public string Province { get; init; } = "";

    /// <summary>Reads a <c>name.txt</c> + <c>name.expected.json</c> pair (the fixture format).</summary>
    public static LabelledReport Load(string textFile)
    {
        var name = Path.GetFileName(textFile)[..^4];
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(textFile)!, name + ".expected.json")));
        var values = doc.RootElement.GetProperty("values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);
        var alternatives = doc.RootElement.TryGetProperty("alternatives", out var alt)
            ? alt.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray(), StringComparer.Ordinal)
            : [];
        var evidence = doc.RootElement.TryGetProperty("evidence", out var ev)
            ? ev.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
            : [];
        var uncatalogued = doc.RootElement.TryGetProperty("uncatalogued", out var un)
            ? un.EnumerateArray().Select(u => u.TryGetProperty("phrase", out var phrase) ? phrase.GetString() ?? "" : "").Where(p => p.Length > 0).ToList()
            : [];
        var level = doc.RootElement.TryGetProperty("level", out var lv) && Enum.TryParse<ReportLevel>(lv.GetString(), ignoreCase: true, out var parsed) ? parsed : ReportLevel.County;
        var province = Provinces(Path.GetDirectoryName(textFile)!).GetValueOrDefault(name, "");
        return new LabelledReport(name, File.ReadAllText(textFile), values, alternatives) { Evidence = evidence, Uncatalogued = uncatalogued, Level = level, Province = province };
    }

    /// <summary>
    /// The provinces of a corpus's reports from its README table: a row <c>| `slug` | 长寿镇 (平江县, 岳阳市, 湖南) | …</c>
    /// names the province last in the entity's parentheses.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Provinces(string directory)
    {
        var provinces = new Dictionary<string, string>(StringComparer.Ordinal);
        var readme = Path.Combine(directory, "README.md");
        if (!File.Exists(readme))
        {
            return provinces;
        }

        foreach (var line in File.ReadLines(readme))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 4 || !cells[1].StartsWith('`') || !cells[1].EndsWith('`'))
            {
                continue;
            }

            var entity = cells[2];
            var open = entity.LastIndexOf('(');
            var close = entity.LastIndexOf(')');
            if (open >= 0 && close > open)
            {
                provinces[cells[1].Trim('`')] = entity[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries)[^1];
            }
        }

        return provinces;
    }

    public bool IsCorrect(string code, double value) =>
        (Values.TryGetValue(code, out var v) && Math.Abs(v - value) < 1e-6)
        || (Alternatives.TryGetValue(code, out var alts) && alts.Any(a => Math.Abs(a - value) < 1e-6));
}

/// <summary>
/// Precision, recall and F1 of one report or a set, counting the values pre-filled for the unit (confidence at or above
/// the model's pre-fill confidence, <see cref="ProposalModel.Prefill"/>), with every false positive and miss; suggestions to check are
/// counted apart.
/// </summary>
public sealed record EvaluationScore(string Name, int TruePositives, int FalsePositives, int Misses, IReadOnlyList<string> Errors)
{
    /// <summary>Suggestions (below the pre-fill confidence) that were right, and that were wrong.</summary>
    public int SuggestedRight { get; init; }

    public int SuggestedWrong { get; init; }

    /// <summary>Every proposal's confidence and whether it was right, pre-filled or not: what calibration is read from.</summary>
    public IReadOnlyList<(double Confidence, bool Right)> Outcomes { get; init; } = [];

    /// <summary>Precision and recall had the suggestions been pre-filled too.</summary>
    public double PrecisionWithSuggestions => Ratio(TruePositives + SuggestedRight, TruePositives + FalsePositives + SuggestedRight + SuggestedWrong);

    public double RecallWithSuggestions => Ratio(TruePositives + SuggestedRight, TruePositives + Misses);

    private static double Ratio(int a, int b) => b == 0 ? 1 : (double)a / b;

    /// <summary>Sums of reports' scores.</summary>
    public static EvaluationScore Sum(string name, IEnumerable<EvaluationScore> scores)
    {
        var all = scores.ToList();
        return new EvaluationScore(name, all.Sum(s => s.TruePositives), all.Sum(s => s.FalsePositives), all.Sum(s => s.Misses), [])
        {
            SuggestedRight = all.Sum(s => s.SuggestedRight),
            SuggestedWrong = all.Sum(s => s.SuggestedWrong),
            Outcomes = all.SelectMany(s => s.Outcomes).ToList(),
        };
    }

    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    public double Recall => TruePositives + Misses == 0 ? 1 : (double)TruePositives / (TruePositives + Misses);

    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}

/// <summary>Scores the extractor on labelled reports: a prediction is right when it equals the value or an alternative.</summary>
public static class ExtractionEvaluation
{
    public static (EvaluationScore Overall, IReadOnlyList<EvaluationScore> Reports) Evaluate(ReportExtractor extractor, IEnumerable<LabelledReport> reports)
    {
        var scores = new List<EvaluationScore>();
        foreach (var report in reports)
        {
            var all = extractor.Extract(report.Text).Proposals;
            var errors = new List<string>();
            int tp = 0, fp = 0, suggestedRight = 0, suggestedWrong = 0;
            foreach (var p in all)
            {
                var right = report.IsCorrect(p.Code, p.Value);
                var expected = !right && report.Values.TryGetValue(p.Code, out var want) ? $"（应为 {want}）" : "";
                if (p.Suggestion)
                {
                    suggestedRight += right ? 1 : 0;
                    suggestedWrong += right ? 0 : 1;
                    errors.Add($"待核实（{(right ? "对" : "错")}，置信度 {p.Confidence:0.00}）{p.Code} = {p.Value} «{p.Evidence}»{expected}");
                }
                else if (right)
                {
                    tp++;
                }
                else
                {
                    fp++;
                    errors.Add($"填错（置信度 {p.Confidence:0.00}）{p.Code} = {p.Value} «{p.Evidence}»{expected}");
                }
            }

            var prefilled = all.Where(p => !p.Suggestion).ToList();
            var missed = report.Values.Keys.Where(code => !prefilled.Any(p => p.Code == code && report.IsCorrect(code, p.Value))).ToList();
            errors.AddRange(missed.Where(code => all.All(p => p.Code != code)).Select(code => $"遗漏 {code} = {report.Values[code]}"));
            scores.Add(new EvaluationScore(report.Name, tp, fp, missed.Count, errors)
            {
                SuggestedRight = suggestedRight,
                SuggestedWrong = suggestedWrong,
                Outcomes = all.Select(p => (p.Confidence, report.IsCorrect(p.Code, p.Value))).ToList(),
            });
        }

        return (EvaluationScore.Sum("overall", scores), scores);
    }
}

/// <summary>
/// Nested cross-validation of the learned extractor, grouped by report: the labelled reports are dealt into K folds;
/// each fold is extracted by a model fitted on the other folds only, whose calibration and pre-fill confidence are
/// themselves chosen by an inner K-fold on those reports (<see cref="ProposalModelTraining"/>). No report is ever read
/// by a model fitted on it or calibrated with it.
/// </summary>
public static class CrossValidation
{
    public sealed record Result(EvaluationScore Overall, IReadOnlyList<EvaluationScore> Reports, IReadOnlyList<double> Thresholds);

    public static Result Run(IReadOnlyList<LabelledReport> reports, int k, IndicatorCatalog catalog, CueBook cues, double targetPrecision = ProposalModelTraining.TargetPrecision)
    {
        if (reports.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two labelled reports are named {twice.Key}: folds are dealt by name", nameof(reports));
        }

        var extractor = new ReportExtractor(catalog, cues);
        var examples = ProposalModelTraining.ReadAll(reports, extractor);
        var folds = Deal(examples, k, e => e.Report.Name);
        var scores = new List<EvaluationScore>();
        var thresholds = new List<double>();
        for (var f = 0; f < folds.Count; f++)
        {
            var model = ProposalModelTraining.Fit(folds.Where((_, i) => i != f).SelectMany(x => x).ToList(), extractor, k, targetPrecision);
            thresholds.Add(model.Prefill);
            scores.AddRange(ExtractionEvaluation.Evaluate(extractor.WithModel(model), folds[f].Select(e => e.Report)).Reports);
        }

        var ordered = reports.Select(r => scores.First(s => s.Name == r.Name)).ToList();
        return new Result(EvaluationScore.Sum("overall", ordered), ordered, thresholds);
    }

    /// <summary>Deals items into k folds by name, in turn: the same items always make the same folds.</summary>
    public static List<List<T>> Deal<T>(IReadOnlyList<T> items, int k, Func<T, string> name)
    {
        var folds = Enumerable.Range(0, Math.Max(1, Math.Min(k, items.Count))).Select(_ => new List<T>()).ToList();
        var i = 0;
        foreach (var item in items.OrderBy(name, StringComparer.Ordinal))
        {
            folds[i++ % folds.Count].Add(item);
        }

        return folds;
    }
}

/// <summary>How right proposals of each confidence band were: calibrated, a band is right about as often as it says.</summary>
public static class Calibration
{
    public sealed record Band(double Low, double High, int Proposals, int Right, double MeanConfidence)
    {
        public double Precision => Proposals == 0 ? double.NaN : (double)Right / Proposals;

        /// <summary>How far the observed precision lies outside the band (0 inside it).</summary>
        public double Distance => Proposals == 0 ? 0 : Math.Max(0, Math.Max(Low - Precision, Precision - Math.Min(1, High)));
    }

    /// <summary>The bands read in docs/extraction.md; the last one includes 1.</summary>
    public static readonly (double Low, double High)[] Edges = [(0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)];

    public static IReadOnlyList<Band> Bands(IEnumerable<(double Confidence, bool Right)> outcomes)
    {
        var all = outcomes.ToList();
        return Edges.Select(e =>
        {
            var band = all.Where(o => o.Confidence >= e.Low && o.Confidence < e.High).ToList();
            return new Band(e.Low, e.High, band.Count, band.Count(o => o.Right), band.Count == 0 ? double.NaN : band.Average(o => o.Confidence));
        }).ToList();
    }
}

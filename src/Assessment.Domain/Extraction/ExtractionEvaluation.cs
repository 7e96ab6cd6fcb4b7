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
        return new LabelledReport(name, File.ReadAllText(textFile), values, alternatives) { Evidence = evidence, Uncatalogued = uncatalogued, Level = level };
    }

    public bool IsCorrect(string code, double value) =>
        (Values.TryGetValue(code, out var v) && Math.Abs(v - value) < 1e-6)
        || (Alternatives.TryGetValue(code, out var alts) && alts.Any(a => Math.Abs(a - value) < 1e-6));
}

/// <summary>
/// Precision, recall and F1 of one report or a set, counting the values pre-filled for the unit (confidence at or above
/// <see cref="ReportExtractor.PrefillConfidence"/>), with every false positive and miss; suggestions to check are
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
                var expected = !right && report.Values.TryGetValue(p.Code, out var want) ? $" (expected {want})" : "";
                if (p.Suggestion)
                {
                    suggestedRight += right ? 1 : 0;
                    suggestedWrong += right ? 0 : 1;
                    errors.Add($"suggestion ({(right ? "right" : "wrong")}, confidence {p.Confidence:0.00}) {p.Code} = {p.Value} «{p.Evidence}»{expected}");
                }
                else if (right)
                {
                    tp++;
                }
                else
                {
                    fp++;
                    errors.Add($"false positive (confidence {p.Confidence:0.00}) {p.Code} = {p.Value} «{p.Evidence}»{expected}");
                }
            }

            var prefilled = all.Where(p => !p.Suggestion).ToList();
            var missed = report.Values.Keys.Where(code => !prefilled.Any(p => p.Code == code && report.IsCorrect(code, p.Value))).ToList();
            errors.AddRange(missed.Where(code => all.All(p => p.Code != code)).Select(code => $"miss {code} = {report.Values[code]}"));
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
/// Cross-validation of the extractor with its context model: the labelled reports are dealt into K folds; each fold is
/// extracted by a model fitted on the other folds only, whose threshold is itself chosen by an inner K-fold on those
/// reports (the lowest score at which the model's own proposals keep the target precision), and each cue's reliability
/// (<see cref="CueReliability"/>) is counted on the other folds only. No report is ever read by a model fitted on it,
/// and a cue no other report confirms is, for that report, a suggestion.
/// </summary>
public static class CrossValidation
{
    public sealed record Result(EvaluationScore Overall, IReadOnlyList<EvaluationScore> Reports, IReadOnlyList<double> Thresholds);

    public static Result Run(IReadOnlyList<LabelledReport> reports, int k, IndicatorCatalog catalog, CueBook cues, double targetPrecision = 0.95)
    {
        var folds = Deal(reports, k);
        var scores = new List<EvaluationScore>();
        var thresholds = new List<double>();
        for (var f = 0; f < folds.Count; f++)
        {
            var training = folds.Where((_, i) => i != f).SelectMany(x => x).ToList();
            var threshold = ChooseThreshold(training, k, catalog, cues, targetPrecision);
            thresholds.Add(threshold);
            var model = ContextModel.Train(training, catalog, cues, threshold);
            var reliability = CueReliability.Fit(training, new ReportExtractor(catalog, cues));
            scores.AddRange(ExtractionEvaluation.Evaluate(new ReportExtractor(catalog, cues, model, reliability), folds[f]).Reports);
        }

        var ordered = reports.Select(r => scores.First(s => s.Name == r.Name)).ToList();
        return new Result(EvaluationScore.Sum("overall", ordered), ordered, thresholds);
    }

    /// <summary>The lowest model score whose proposals, in an inner K-fold over <paramref name="reports"/>, keep the target precision.</summary>
    public static double ChooseThreshold(IReadOnlyList<LabelledReport> reports, int k, IndicatorCatalog catalog, CueBook cues, double targetPrecision)
    {
        var scored = ModelProposals(reports, k, catalog, cues).Select(p => (p.Proposal.ModelScore!.Value, p.Right)).ToList();

        // Walk down from the highest score; the threshold is the lowest score at which precision still holds.
        var best = double.PositiveInfinity;
        int right = 0, all = 0;
        foreach (var (score, ok) in scored.OrderByDescending(s => s.Item1))
        {
            all++;
            right += ok ? 1 : 0;
            if ((double)right / all >= targetPrecision)
            {
                best = score;
            }
        }

        return best;
    }

    /// <summary>What the model alone proposes for each report when fitted on the other folds, with whether it is right.</summary>
    public static List<(string Report, Proposal Proposal, bool Right)> ModelProposals(IReadOnlyList<LabelledReport> reports, int k, IndicatorCatalog catalog, CueBook cues)
    {
        var scored = new List<(string, Proposal, bool)>();
        var folds = Deal(reports, Math.Min(k, reports.Count));
        for (var f = 0; f < folds.Count; f++)
        {
            var model = ContextModel.Train(folds.Where((_, i) => i != f).SelectMany(x => x).ToList(), catalog, cues, threshold: 0);
            var extractor = new ReportExtractor(catalog, cues, model);
            foreach (var report in folds[f])
            {
                scored.AddRange(extractor.Extract(report.Text).Proposals.Where(p => p.ModelScore is not null)
                    .Select(p => (report.Name, p, report.IsCorrect(p.Code, p.Value))));
            }
        }

        return scored;
    }

    private static List<List<LabelledReport>> Deal(IReadOnlyList<LabelledReport> reports, int k)
    {
        var folds = Enumerable.Range(0, Math.Max(1, Math.Min(k, reports.Count))).Select(_ => new List<LabelledReport>()).ToList();
        var i = 0;
        foreach (var report in reports.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            folds[i++ % folds.Count].Add(report);
        }

        return folds;
    }
}

using System.Text.Json;

namespace Assessment.Domain.Extraction;

/// <summary>One labelled report: the values a correct extractor gives and the other numbers that also count.</summary>
public sealed record LabelledReport(string Name, string Text, IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, double[]> Alternatives)
{
    /// <summary>Reads a <c>name.txt</c> + <c>name.expected.json</c> pair (the fixture format).</summary>
    public static LabelledReport Load(string textFile)
    {
        var name = Path.GetFileName(textFile)[..^4];
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(textFile)!, name + ".expected.json")));
        var values = doc.RootElement.GetProperty("values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);
        var alternatives = doc.RootElement.TryGetProperty("alternatives", out var alt)
            ? alt.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray(), StringComparer.Ordinal)
            : [];
        return new LabelledReport(name, File.ReadAllText(textFile), values, alternatives);
    }

    public bool IsCorrect(string code, double value) =>
        (Values.TryGetValue(code, out var v) && Math.Abs(v - value) < 1e-6)
        || (Alternatives.TryGetValue(code, out var alts) && alts.Any(a => Math.Abs(a - value) < 1e-6));
}

/// <summary>Precision, recall and F1 of one report or a set, with every false positive and miss.</summary>
public sealed record EvaluationScore(string Name, int TruePositives, int FalsePositives, int Misses, IReadOnlyList<string> Errors)
{
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
            var proposals = extractor.Extract(report.Text).Proposals;
            var errors = new List<string>();
            int tp = 0, fp = 0;
            foreach (var p in proposals)
            {
                if (report.IsCorrect(p.Code, p.Value))
                {
                    tp++;
                }
                else
                {
                    fp++;
                    errors.Add($"false positive {p.Code} = {p.Value} «{p.Evidence}»" + (report.Values.TryGetValue(p.Code, out var want) ? $" (expected {want})" : ""));
                }
            }

            var missed = report.Values.Keys.Where(code => !proposals.Any(p => p.Code == code && report.IsCorrect(code, p.Value))).ToList();
            errors.AddRange(missed.Where(code => proposals.All(p => p.Code != code)).Select(code => $"miss {code} = {report.Values[code]}"));
            scores.Add(new EvaluationScore(report.Name, tp, fp, missed.Count, errors));
        }

        var overall = new EvaluationScore("overall", scores.Sum(s => s.TruePositives), scores.Sum(s => s.FalsePositives), scores.Sum(s => s.Misses), []);
        return (overall, scores);
    }
}

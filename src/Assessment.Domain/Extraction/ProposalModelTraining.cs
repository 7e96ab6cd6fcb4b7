namespace Assessment.Domain.Extraction;

/// <summary>
/// Fits a <see cref="ProposalModel"/> on labelled reports. Every candidate of every report is an example — right when
/// its value is the labelled value or one of its alternatives (a sum's parts), wrong otherwise, so the figures the
/// labels leave out and the <c>uncatalogued</c> ones teach what not to take. The weights are fitted by L2-regularized
/// logistic regression (full-batch AdaGrad, a fixed number of steps, features in the order they are met: the same
/// reports always give the same file). Calibration and the pre-fill confidence come from an inner cross-validation on
/// the same reports: each inner fold's proposals are made by weights fitted on the other inner folds, isotonic regression
/// maps their scores to how often they were right, and the pre-fill confidence is the lowest at which those
/// out-of-fold proposals stay right at the target precision.
/// </summary>
public static class ProposalModelTraining
{
    /// <summary>The precision pre-filled values must keep on reports the model has not seen.</summary>
    public const double TargetPrecision = 0.95;

    private const int Steps = 300;
    private const double StepSize = 0.3;
    private const double L2 = 1.0;

    /// <summary>Weights smaller than this are left out of the file (they change no score's second decimal).</summary>
    private const double Negligible = 1e-3;

    /// <summary>A labelled report and its candidates, read once.</summary>
    internal sealed record Example(LabelledReport Report, ReadReport Read);

    /// <summary>An out-of-fold proposal: its score and whether it was right.</summary>
    public sealed record Scored(string Report, string Code, double Value, double Score, bool Right);

    /// <summary>How many folds the inner cross-validation deals the training reports into.</summary>
    public const int InnerFolds = 5;

    public static ProposalModel Fit(IReadOnlyList<LabelledReport> reports, ReportExtractor extractor, int innerFolds = InnerFolds, double targetPrecision = TargetPrecision) =>
        Fit(ReadAll(reports, extractor), extractor, innerFolds, targetPrecision);

    internal static List<Example> ReadAll(IEnumerable<LabelledReport> reports, ReportExtractor extractor) =>
        reports.Select(r => new Example(r, extractor.Read(r.Text))).ToList();

    internal static ProposalModel Fit(IReadOnlyList<Example> examples, ReportExtractor extractor, int innerFolds, double targetPrecision)
    {
        // The order the reports come in (which directory first) changes no weight.
        examples = examples.OrderBy(e => e.Report.Name, StringComparer.Ordinal).ToList();
        var outOfFold = OutOfFold(examples, extractor, innerFolds);
        var calibration = Isotonic(outOfFold.Select(o => (o.Score, o.Right)).ToList());
        var calibrated = new ProposalModel { Calibration = calibration };
        var prefill = PrefillConfidence(outOfFold.Select(o => (calibrated.Confidence(o.Score), o.Right)), targetPrecision);
        var (weights, wording) = FitWeights(examples);
        return new ProposalModel
        {
            Reports = examples.Count,
            Calibration = calibration,
            Prefill = prefill,
            Trained = examples.SelectMany(e => e.Read.Candidates.Where(c => e.Report.IsCorrect(c.Code, c.Value)).Select(c => c.Code))
                .Distinct().Order(StringComparer.Ordinal).ToList(),
            Weights = weights,
            Wording = wording,
        };
    }

    /// <summary>What each report's indicators would be proposed as by weights fitted on the other folds only.</summary>
    internal static List<Scored> OutOfFold(IReadOnlyList<Example> examples, ReportExtractor extractor, int k)
    {
        var scored = new List<Scored>();
        var folds = CrossValidation.Deal(examples, k, e => e.Report.Name);
        for (var f = 0; f < folds.Count; f++)
        {
            var (weights, wording) = FitWeights(folds.Where((_, i) => i != f).SelectMany(x => x).ToList());
            var model = new ProposalModel { Weights = weights, Wording = wording };
            foreach (var example in folds[f])
            {
                scored.AddRange(extractor.Choose(example.Read, model.Score)
                    .Select(c => new Scored(example.Report.Name, c.Code, c.Value, c.Score, example.Report.IsCorrect(c.Code, c.Value))));
            }
        }

        return scored;
    }

    /// <summary>The lowest confidence at which the proposals at or above it are right at the target precision (1.01: none).</summary>
    public static double PrefillConfidence(IEnumerable<(double Confidence, bool Right)> outcomes, double targetPrecision)
    {
        var best = 1.01;
        int right = 0, all = 0;
        foreach (var band in outcomes.GroupBy(o => o.Confidence).OrderByDescending(g => g.Key))
        {
            all += band.Count();
            right += band.Count(o => o.Right);
            if ((double)right / all >= targetPrecision)
            {
                best = band.Key;
            }
        }

        return best;
    }

    /// <summary>
    /// Isotonic calibration: the out-of-fold proposals sorted by score are pooled into blocks whose precision never
    /// falls as the score rises (pool-adjacent-violators); each block becomes a point (its mean score, its precision
    /// smoothed by half a proposal each way, so a block of one is not certainty, and never below the point before it). Between points the confidence is read
    /// linearly.
    /// </summary>
    public static List<double[]> Isotonic(IReadOnlyList<(double Score, bool Right)> outcomes)
    {
        var blocks = new List<(double ScoreSum, int Right, int Count)>();
        foreach (var tie in outcomes.GroupBy(o => o.Score).OrderBy(g => g.Key))
        {
            // Proposals of equal score are one block from the start: their order says nothing.
            blocks.Add((tie.Key * tie.Count(), tie.Count(o => o.Right), tie.Count()));
            while (blocks.Count > 1 && Rate(blocks[^2]) >= Rate(blocks[^1]))
            {
                var (s2, r2, n2) = blocks[^1];
                var (s1, r1, n1) = blocks[^2];
                blocks.RemoveRange(blocks.Count - 2, 2);
                blocks.Add((s1 + s2, r1 + r2, n1 + n2));
            }
        }

        // Smoothing can lower a small block below a larger one before it: the points keep rising all the same.
        var points = new List<double[]>();
        var floor = 0.0;
        foreach (var b in blocks)
        {
            floor = Math.Max(floor, Math.Round((b.Right + 0.5) / (b.Count + 1), 4));
            points.Add([Math.Round(b.ScoreSum / b.Count, 4), floor]);
        }

        return points;

        static double Rate((double ScoreSum, int Right, int Count) block) => (double)block.Right / block.Count;
    }

    /// <summary>L2-regularized logistic regression over every candidate of the reports.</summary>
    internal static (Dictionary<string, double> Weights, Dictionary<string, Dictionary<string, double>> Wording) FitWeights(IReadOnlyList<Example> examples)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<int[]>();
        var labels = new List<bool>();
        var features = new List<int>();
        int Index(string key) => index.TryGetValue(key, out var i) ? i : index[key] = index.Count;
        foreach (var example in examples)
        {
            foreach (var candidate in example.Read.Candidates)
            {
                features.Clear();
                features.AddRange(candidate.Features.Select(Index));
                foreach (var w in candidate.Wording)
                {
                    features.Add(Index(w));
                    features.Add(Index("@" + candidate.Code + "@" + w));
                }

                rows.Add([.. features]);
                labels.Add(example.Report.IsCorrect(candidate.Code, candidate.Value));
            }
        }

        var weights = new double[index.Count];
        var gradient = new double[index.Count];
        var squares = new double[index.Count];
        for (var step = 0; step < Steps; step++)
        {
            for (var j = 0; j < weights.Length; j++)
            {
                gradient[j] = L2 * weights[j];
            }

            for (var r = 0; r < rows.Count; r++)
            {
                var score = 0.0;
                foreach (var j in rows[r])
                {
                    score += weights[j];
                }

                var error = ProposalModel.Sigmoid(score) - (labels[r] ? 1 : 0);
                foreach (var j in rows[r])
                {
                    gradient[j] += error;
                }
            }

            for (var j = 0; j < weights.Length; j++)
            {
                squares[j] += gradient[j] * gradient[j];
                weights[j] -= StepSize * gradient[j] / (Math.Sqrt(squares[j]) + 1e-8);
            }
        }

        var generic = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var wording = new SortedDictionary<string, SortedDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (key, j) in index)
        {
            var w = Math.Round(weights[j], 4);
            if (Math.Abs(w) < Negligible)
            {
                continue;
            }

            if (key[0] == '@')
            {
                var split = key.IndexOf('@', 1);
                var code = key[1..split];
                (wording.TryGetValue(code, out var own) ? own : wording[code] = new(StringComparer.Ordinal))[key[(split + 1)..]] = w;
            }
            else
            {
                generic[key] = w;
            }
        }

        return (new Dictionary<string, double>(generic, StringComparer.Ordinal),
            wording.ToDictionary(e => e.Key, e => new Dictionary<string, double>(e.Value, StringComparer.Ordinal), StringComparer.Ordinal));
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Extraction;

/// <summary>
/// A learned reading of figures the cue book does not name: for each indicator, which character pairs stand before and
/// after its figures (“政府常务会学法12次”: 常务, 务会, 学法 before, the unit 次), fitted on labelled reports and seeded
/// with the catalog's names and the cue phrases, against every other figure of the same reports. A figure is proposed
/// for the indicator whose evidence outweighs the others' and the figures that are none of them, by a threshold chosen
/// by cross-validation for precision. Pure data once trained: <c>Data/context-model.json</c>, rebuilt with
/// <c>assess extract --train</c> when labelled reports are added.
/// </summary>
public sealed class ContextModel
{
    /// <summary>How many characters before a figure (within its clause) and after it are read.</summary>
    public const int BeforeReach = 12, AfterReach = 6;

    /// <summary>Smoothing of the counts (a pair seen once for an indicator is evidence, not proof).</summary>
    private const double Alpha = 0.5;

    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>The score a figure needs, and its lead over the runner-up indicator.</summary>
    [JsonPropertyName("threshold")]
    public double Threshold { get; set; } = 6;

    [JsonPropertyName("margin")]
    public double Margin { get; set; } = 2;

    [JsonPropertyName("reports")]
    public int Reports { get; init; }

    [JsonPropertyName("indicators")]
    public Dictionary<string, IndicatorProfile> Indicators { get; init; } = [];

    public sealed class IndicatorProfile
    {
        [JsonPropertyName("units")]
        public List<string> Units { get; init; } = [];

        [JsonPropertyName("weights")]
        public Dictionary<string, double> Weights { get; init; } = [];
    }

    public static ContextModel? Default => DefaultModel.Value;

    private static readonly Lazy<ContextModel?> DefaultModel = new(() => EmbeddedData.TryRead("context-model.json") is { } json ? Parse(json) : null);

    public static ContextModel Parse(string json) =>
        JsonSerializer.Deserialize<ContextModel>(json) ?? throw new DataFileException("context-model.json", ["empty"]);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>The features of a figure: character pairs before it (b:) and after it (a:) within its clause, and its unit.</summary>
    public static List<string> Features(string text, NumberToken token)
    {
        var features = new List<string> { "u:" + token.Unit };
        var start = token.Start;
        while (start > 0 && token.Start - start < BeforeReach && !CueBook.IsBreak(text[start - 1]))
        {
            start--;
        }

        var end = token.End;
        while (end < text.Length && end - token.End < AfterReach && !CueBook.IsBreak(text[end]))
        {
            end++;
        }

        Pairs(text.AsSpan(start, token.Start - start), "b:", features);
        Pairs(text.AsSpan(token.End, end - token.End), "a:", features);
        return features;
    }

    private static void Pairs(ReadOnlySpan<char> span, string prefix, List<string> into)
    {
        for (var i = 0; i + 1 < span.Length; i++)
        {
            if (IsWordChar(span[i]) && IsWordChar(span[i + 1]))
            {
                into.Add(string.Concat(prefix, span.Slice(i, 2)));
            }
        }
    }

    private static bool IsWordChar(char c) => c >= '\u4E00' && c <= '\u9FFF';

    /// <summary>The best indicator for a figure with these features, if its evidence clears the threshold and the margin.</summary>
    public (string Code, double Score)? Classify(IReadOnlyList<string> features, string unit)
    {
        string? best = null;
        double bestScore = 0, second = 0;
        foreach (var (code, profile) in Indicators)
        {
            if (!profile.Units.Contains(unit))
            {
                continue;
            }

            var score = 0.0;
            foreach (var f in features)
            {
                if (f[0] != 'u' && profile.Weights.TryGetValue(f, out var w))
                {
                    score += w;
                }
            }

            if (score > bestScore)
            {
                second = bestScore;
                bestScore = score;
                best = code;
            }
            else if (score > second)
            {
                second = score;
            }
        }

        return best is not null && bestScore >= Threshold && bestScore - second >= Margin ? (best, bestScore) : null;
    }

    /// <summary>
    /// Fits the model: positives are the figures inside each labelled value's evidence that equal the value (or one of
    /// its parts), negatives every other figure of the same reports (the uncatalogued ones among them); the catalog's
    /// names and the cue phrases add one example each, so every indicator has a profile before any report mentions it.
    /// </summary>
    public static ContextModel Train(IReadOnlyList<LabelledReport> reports, IndicatorCatalog catalog, CueBook cues, double threshold = 6, double margin = 2)
    {
        var positive = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var examples = new Dictionary<string, int>(StringComparer.Ordinal);
        var units = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var negative = new Dictionary<string, int>(StringComparer.Ordinal);
        var negatives = 0;

        void Add(string code, IEnumerable<string> features)
        {
            var counts = positive.TryGetValue(code, out var c) ? c : positive[code] = new(StringComparer.Ordinal);
            foreach (var f in features.Distinct())
            {
                counts[f] = counts.GetValueOrDefault(f) + 1;
            }

            examples[code] = examples.GetValueOrDefault(code) + 1;
        }

        // The prior: catalog names as text before a figure, cue phrases split at their figure.
        foreach (var (code, settings) in cues.Indicators)
        {
            units[code] = [.. settings.Units];
            var name = NormalizedText.From(catalog[code].Name).Text;
            var features = new List<string>();
            Pairs(name, "b:", features);
            Add(code, features);
        }

        foreach (var cue in cues.Cues)
        {
            var parts = (cue.Text.Contains('#', StringComparison.Ordinal) ? cue.Text : cue.Text + "#").Split('#');
            var features = new List<string>();
            foreach (var piece in parts[0].Split('*'))
            {
                Pairs(piece, "b:", features);
            }

            foreach (var piece in parts[1].Split('*'))
            {
                Pairs(piece, "a:", features);
            }

            Add(cue.Code, features);
        }

        foreach (var report in reports)
        {
            var text = NormalizedText.From(report.Text).Text;
            var tokens = NumberParser.Find(text, ReportExtractor.MaxFigures);
            var claimed = new HashSet<int>();
            foreach (var (code, phrase) in report.Evidence)
            {
                if (!report.Values.TryGetValue(code, out var value) || !catalog.TryGet(code, out _))
                {
                    continue;
                }

                var evidence = NormalizedText.From(phrase).Text;
                var at = evidence.Length == 0 ? -1 : text.IndexOf(evidence, StringComparison.Ordinal);
                if (at < 0)
                {
                    continue;
                }

                var accepted = new HashSet<double>(report.Alternatives.GetValueOrDefault(code) ?? []) { value };
                foreach (var token in tokens.Where(t => t.Start >= at && t.End <= at + evidence.Length))
                {
                    if (accepted.Any(v => Math.Abs(v - token.Value) < 1e-6 || Math.Abs(v - (token.Value / 10_000)) < 1e-6))
                    {
                        Add(code, Features(text, token));
                        (units.TryGetValue(code, out var u) ? u : units[code] = []).Add(token.Unit);
                        claimed.Add(token.Start);
                    }
                }
            }

            foreach (var token in tokens.Where(t => !claimed.Contains(t.Start)))
            {
                foreach (var f in Features(text, token).Distinct())
                {
                    negative[f] = negative.GetValueOrDefault(f) + 1;
                }

                negatives++;
            }
        }

        // A pair weighs what it says for the indicator against what it says for figures of nothing in particular; only
        // pairs that speak for the indicator are kept (an absent pair is no evidence against it).
        var model = new ContextModel { Threshold = threshold, Margin = margin, Reports = reports.Count };
        foreach (var (code, counts) in positive)
        {
            if (!units.TryGetValue(code, out var allowed) || allowed.Count == 0)
            {
                continue;
            }

            var n = examples[code];
            var profile = new IndicatorProfile { Units = [.. allowed.Order(StringComparer.Ordinal)] };
            foreach (var (feature, count) in counts)
            {
                if (feature[0] == 'u')
                {
                    continue;
                }

                var weight = Math.Log((count + Alpha) / (n + (2 * Alpha))) - Math.Log((negative.GetValueOrDefault(feature) + Alpha) / (negatives + (2 * Alpha)));
                if (weight > 0.5)
                {
                    profile.Weights[feature] = Math.Round(weight, 3);
                }
            }

            model.Indicators[code] = profile;
        }

        return model;
    }
}

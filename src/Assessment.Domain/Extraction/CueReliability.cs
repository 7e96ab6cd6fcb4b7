using System.Text.Json;
using System.Text.Json.Serialization;

namespace Assessment.Domain.Extraction;

/// <summary>
/// How often each cue's proposals were right on labelled reports, and the confidence that follows for a new report.
/// A proposal's confidence is the posterior mean of its cue's precision: the cue's own record shrunk towards its
/// indicator's record, which is shrunk towards the prior — the precision of cue proposals on reports the cue book was
/// not written from (0.75 on the private set when issue 17 was filed). A cue no labelled report confirmed therefore
/// stays near the prior, below <see cref="ReportExtractor.PrefillConfidence"/>: its proposal is a suggestion to check,
/// not a pre-filled value, until labelled reports confirm it. Fitted by <c>assess extract --train</c>
/// (<c>Data/cue-reliability.json</c>); cross-validation fits it on the training folds only.
/// </summary>
public sealed class CueReliability
{
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>The precision of a cue proposal known nothing about.</summary>
    [JsonPropertyName("prior_mean")]
    public double PriorMean { get; init; } = 0.75;

    /// <summary>How many observed proposals the prior weighs, at the indicator and at the cue level alike.</summary>
    [JsonPropertyName("prior_strength")]
    public double PriorStrength { get; init; } = 4;

    [JsonPropertyName("reports")]
    public int Reports { get; init; }

    /// <summary>Right and wrong proposals per indicator code.</summary>
    [JsonPropertyName("indicators")]
    public Dictionary<string, Record> Indicators { get; init; } = [];

    /// <summary>Right and wrong proposals per cue (code + "|" + the cue's text).</summary>
    [JsonPropertyName("cues")]
    public Dictionary<string, Record> Cues { get; init; } = [];

    public sealed class Record
    {
        [JsonPropertyName("right")]
        public int Right { get; set; }

        [JsonPropertyName("wrong")]
        public int Wrong { get; set; }
    }

    /// <summary>Nothing observed: every cue proposal at the prior (a suggestion).</summary>
    public static CueReliability Prior { get; } = new();

    public static CueReliability Default => DefaultReliability.Value;

    private static readonly Lazy<CueReliability> DefaultReliability = new(() =>
        EmbeddedData.TryRead("cue-reliability.json") is { } json ? Parse(json) : Prior);

    public static CueReliability Parse(string json)
    {
        var parsed = JsonSerializer.Deserialize<CueReliability>(json) ?? throw new DataFileException("cue-reliability.json", ["empty"]);
        if (parsed.PriorMean is <= 0 or >= 1 || parsed.PriorStrength <= 0
            || parsed.Indicators.Values.Concat(parsed.Cues.Values).Any(r => r.Right < 0 || r.Wrong < 0))
        {
            throw new DataFileException("cue-reliability.json", ["prior_mean must lie in (0, 1), prior_strength and the counts must not be negative"]);
        }

        return parsed;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
        WriteIndented = true,
    };

    /// <summary>The calibrated confidence of a proposal named by <paramref name="cue"/> for <paramref name="code"/>.</summary>
    public double Confidence(string code, string cue)
    {
        var indicator = Indicators.GetValueOrDefault(code);
        var indicatorMean = Posterior(indicator, PriorMean);
        return Math.Round(Posterior(Cues.GetValueOrDefault(Key(code, cue)), indicatorMean), 2);
    }

    private double Posterior(Record? record, double mean) =>
        ((record?.Right ?? 0) + (PriorStrength * mean)) / ((record?.Right ?? 0) + (record?.Wrong ?? 0) + PriorStrength);

    private static string Key(string code, string cue) => code + "|" + cue;

    /// <summary>
    /// Counts each cue's proposals on labelled reports as right (the value or an alternative) or wrong (any other
    /// value, or a code the labels leave out). Learned proposals are not counted: the model has its own threshold.
    /// </summary>
    public static CueReliability Fit(IReadOnlyList<LabelledReport> reports, ReportExtractor extractor, double priorMean = 0.75, double priorStrength = 4)
    {
        var fitted = new CueReliability();
        foreach (var report in reports)
        {
            foreach (var p in extractor.Extract(report.Text).Proposals)
            {
                if (p.Cue is null)
                {
                    continue;
                }

                var right = report.IsCorrect(p.Code, p.Value);
                Count(fitted.Indicators, p.Code, right);
                Count(fitted.Cues, Key(p.Code, p.Cue), right);
            }
        }

        // Sorted, so a refit that changes nothing writes the same file.
        return new CueReliability
        {
            PriorMean = priorMean,
            PriorStrength = priorStrength,
            Reports = reports.Count,
            Indicators = fitted.Indicators.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
            Cues = fitted.Cues.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
        };
    }

    private static void Count(Dictionary<string, Record> into, string key, bool right)
    {
        var record = into.TryGetValue(key, out var r) ? r : into[key] = new Record();
        if (right)
        {
            record.Right++;
        }
        else
        {
            record.Wrong++;
        }
    }
}

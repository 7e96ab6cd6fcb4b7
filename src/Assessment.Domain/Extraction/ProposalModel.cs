using System.Text.Json;
using System.Text.Json.Serialization;

namespace Assessment.Domain.Extraction;

/// <summary>
/// The learned part of extraction: a logistic model over the features of a candidate (a figure of the report read as
/// one indicator: the cue that named it and how long it is, the characters around it, whether it is the indicator's
/// largest or first figure, the report's level…) that scores how likely the candidate is the labelled value, and a
/// calibration of that score into the observed precision of proposals (isotonic regression on out-of-fold proposals),
/// with the confidence from which a proposal is pre-filled chosen, on the training reports only, to keep precision at
/// the target. Pure data once trained: <c>Data/extraction-model.json</c>, rebuilt from the labelled reports with
/// <c>assess extract --train</c> (<see cref="ProposalModelTraining"/>).
/// </summary>
public sealed class ProposalModel
{
    [JsonPropertyName("version")]
    [JsonRequired]
    public int Version { get; init; } = 2;

    /// <summary>How many labelled reports it was fitted on.</summary>
    [JsonPropertyName("reports")]
    [JsonRequired]
    public int Reports { get; init; }

    /// <summary>Calibration: points (score, observed precision) rising with the score; read linearly between them.</summary>
    [JsonPropertyName("calibration")]
    [JsonRequired]
    public List<double[]> Calibration { get; init; } = [];

    /// <summary>The confidence from which a proposal is pre-filled; below it, a suggestion to check (待核实).</summary>
    [JsonPropertyName("prefill")]
    [JsonRequired]
    public double Prefill { get; init; } = 1.01;

    /// <summary>Indicators of which some candidate in the training reports was right: only these are ever pre-filled.</summary>
    [JsonPropertyName("trained")]
    [JsonRequired]
    public List<string> Trained { get; init; } = [];

    /// <summary>Weights of features on their own (a cue, a length, a character pair before the figure…).</summary>
    [JsonPropertyName("weights")]
    [JsonRequired]
    public Dictionary<string, double> Weights { get; init; } = [];

    /// <summary>Weights of the character pairs around a figure for one indicator (indicator → pair → weight).</summary>
    [JsonPropertyName("wording")]
    [JsonRequired]
    public Dictionary<string, Dictionary<string, double>> Wording { get; init; } = [];

    /// <summary>Knows nothing: every candidate scores 0 (confidence 0.5) and nothing is pre-filled.</summary>
    public static ProposalModel Untrained { get; } = new();

    public static ProposalModel Default => DefaultModel.Value;

    private static readonly Lazy<ProposalModel> DefaultModel = new(() =>
        EmbeddedData.TryRead("extraction-model.json") is { } json ? Parse(json) : Untrained);

    /// <summary>No weight of a fitted model comes near this; a larger one is not a model file this code wrote.</summary>
    public const double MaxWeight = 100;

    public static ProposalModel Parse(string json)
    {
        ProposalModel? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<ProposalModel>(json, ParseOptions);
        }
        catch (JsonException ex)
        {
            throw new DataFileException("extraction-model.json", [ex.Message]);
        }

        if (parsed is null || parsed.Trained is null || parsed.Calibration is null || parsed.Weights is null || parsed.Wording is null
            || parsed.Wording.Values.Any(w => w is null) || parsed.Trained.Any(t => t is null) || parsed.Calibration.Any(p => p is null))
        {
            throw new DataFileException("extraction-model.json", ["version, prefill, trained, calibration, weights and wording must all be given, none null"]);
        }

        if (parsed.Version != 2
            || parsed.Calibration.Any(p => p is not [var s, var c] || !double.IsFinite(s) || c is < 0 or > 1)
            || parsed.Calibration.Zip(parsed.Calibration.Skip(1)).Any(p => p.Second[0] < p.First[0] || p.Second[1] < p.First[1])
            || parsed.Prefill is < 0 or > 1.01 || parsed.Weights.Values.Concat(parsed.Wording.Values.SelectMany(w => w.Values)).Any(w => !double.IsFinite(w) || Math.Abs(w) > MaxWeight))
        {
            throw new DataFileException("extraction-model.json", ["version must be 2, calibration points (score, confidence) rising, weights finite and at most 100 in size, prefill within [0, 1.01]"]);
        }

        return parsed;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Every member must be in the file: a missing one is a file of another shape, not a default.</summary>
    private static readonly JsonSerializerOptions ParseOptions = new() { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
        WriteIndented = true,
    };

    /// <summary>The model's score (log-odds) of a candidate.</summary>
    internal double Score(FigureCandidate candidate)
    {
        var score = 0.0;
        foreach (var f in candidate.Features)
        {
            score += Weights.GetValueOrDefault(f);
        }

        var own = Wording.GetValueOrDefault(candidate.Code);
        foreach (var w in candidate.Wording)
        {
            score += Weights.GetValueOrDefault(w) + (own?.GetValueOrDefault(w) ?? 0);
        }

        return double.IsFinite(score) ? score : double.NegativeInfinity;
    }

    /// <summary>The calibrated confidence of a score: how often proposals so scored were right.</summary>
    public double Confidence(double score)
    {
        if (Calibration.Count == 0)
        {
            return Math.Round(Sigmoid(score), 2);
        }

        if (score <= Calibration[0][0])
        {
            return Math.Round(Calibration[0][1], 2);
        }

        for (var i = 1; i < Calibration.Count; i++)
        {
            var (s1, c1, s0, c0) = (Calibration[i][0], Calibration[i][1], Calibration[i - 1][0], Calibration[i - 1][1]);
            if (score <= s1)
            {
                return Math.Round(s1 == s0 ? c1 : c0 + ((c1 - c0) * (score - s0) / (s1 - s0)), 2);
            }
        }

        return Math.Round(Calibration[^1][1], 2);
    }

    /// <summary>Whether a proposal of this indicator with this confidence is pre-filled rather than suggested.</summary>
    public bool Prefills(string code, double confidence) => confidence >= Prefill && IsTrained(code);

    /// <summary>Whether the training reports held a labelled value of this indicator.</summary>
    public bool IsTrained(string code) => Trained.Contains(code, StringComparer.Ordinal);

    internal static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

using Assessment.Domain.Catalog;

namespace Assessment.Domain.Validation;

/// <summary>
/// The blocking checks on one submission. Pure: the same input always gives the same violations, one per bad value,
/// so a client can fix everything in one round trip.
/// </summary>
public sealed class SubmissionValidator(IndicatorCatalog catalog)
{
    /// <summary>Most values one submission may carry.</summary>
    public const int MaxValues = 500;

    /// <summary>Unknown codes in one submission that get a "did you mean".</summary>
    private const int MaxSuggestions = 10;

    /// <summary>Longest note, in characters.</summary>
    public const int MaxNoteLength = 2000;

    /// <summary>Largest count any indicator accepts; larger figures are typing errors, not facts.</summary>
    public const double MaxCount = 1_000_000_000;

    /// <summary>Largest amount accepted.</summary>
    public const double MaxAmount = 1_000_000_000_000;

    /// <summary>
    /// Decimals an amount may carry. With at most 10¹² that is at most 15 significant digits, which a double carries
    /// exactly from the wire to the county's decimal sums and back: what a unit sends is what the county shows.
    /// </summary>
    public const int AmountDecimals = 2;

    /// <summary>
    /// The value as stored, once it passed validation: -0 becomes 0, and an amount is rounded to its
    /// <see cref="AmountDecimals"/> (a client computing 3 × 0.1 sends 0.30000000000000004 and means 0.3).
    /// </summary>
    public static double Normalize(Indicator? indicator, double value)
    {
        if (indicator?.Kind == IndicatorKind.Amount)
        {
            value = Math.Round(value, AmountDecimals, MidpointRounding.AwayFromZero);
        }

        return value == 0 ? 0 : value;
    }

    /// <summary>Returns every violation in the submission; empty when it may be stored.</summary>
    public IReadOnlyList<FieldViolation> Validate(IReadOnlyList<SubmittedValue> values, IndicatorSource submitter) =>
        Validate(values, submitter, UnitKinds.All);

    /// <summary>
    /// Returns every violation in the submission of a submitter (a unit of <paramref name="unitKind"/> when it is a
    /// unit); empty when it may be stored.
    /// </summary>
    public IReadOnlyList<FieldViolation> Validate(IReadOnlyList<SubmittedValue> values, IndicatorSource submitter, UnitKinds unitKind)
    {
        var violations = new List<FieldViolation>();
        if (values.Count is 0 or > MaxValues)
        {
            violations.Add(new("values", $"一次提交须包含 1–{MaxValues} 个指标值，实际 {values.Count} 个"));
            return violations;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var suggested = 0;
        var accepted = new Dictionary<string, (int Index, double Value)>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var item = values[i];
            var field = $"values[{i}]";
            if (string.IsNullOrEmpty(item.Code) || !catalog.TryGet(item.Code, out var indicator))
            {
                // Suggestions for the first few unknown codes only: a request of 500 nonsense codes costs no more than ten.
                IReadOnlyList<string> close = suggested++ < MaxSuggestions
                    ? Keys.Similar.To(item.Code ?? "", catalog.Indicators.Where(i => i.AcceptsFrom(submitter, unitKind)).Select(i => i.Code), take: 2)
                    : [];
                violations.Add(new($"{field}.code", $"未知指标代码 '{Truncate(item.Code)}'"
                    + (close.Count > 0 ? $"，您是否要填报 {string.Join("、", close.Select(c => $"{c}（{catalog[c].Name}）"))}？" : "")));
                continue;
            }

            if (!seen.TryAdd(item.Code, i))
            {
                violations.Add(new($"{field}.code", $"指标 {item.Code} 在本次提交中重复出现（首次见 values[{seen[item.Code]}]）"));
                continue;
            }

            if (indicator.IsComputedRate)
            {
                violations.Add(new($"{field}.code",
                    $"{indicator.Name}（{item.Code}）由平台按“{catalog[indicator.Numerator!].Name}”÷“{catalog[indicator.Denominator!].Name}”计算，请填报这两项，不要直接填报比率"));
                continue;
            }

            if (indicator.Retired)
            {
                violations.Add(new($"{field}.code", $"指标 {item.Code}（{indicator.Name}）本年度已停用，不再填报"));
                continue;
            }

            if (!indicator.AcceptsFrom(submitter, unitKind))
            {
                violations.Add(new($"{field}.code", indicator.AcceptsFrom(submitter)
                    ? $"指标 {item.Code}（{indicator.Name}）只由{UnitKindNames.Chinese(indicator.Reporters)}填报，本单位不填报此项"
                    : $"指标 {item.Code}（{indicator.Name}）应由{SourceName(indicator.Source)}填报"));
                continue;
            }

            if (Keys.FreeText.Problem(item.Note, MaxNoteLength) is { } noteProblem)
            {
                violations.Add(new($"{field}.note", $"备注{noteProblem}"));
            }

            if (item.Value is not { } value)
            {
                continue; // explicitly not reported
            }

            var problem = CheckValue(indicator, value);
            if (problem is not null)
            {
                violations.Add(new($"{field}.value", $"{indicator.Name}（{indicator.Code}）{problem}"));
                continue;
            }

            accepted[item.Code] = (i, value);
        }

        // Parts of a rate must be consistent inside one submission: a numerator can never exceed its denominator.
        foreach (var (code, (index, value)) in accepted)
        {
            if (!catalog.RatesByPart.TryGetValue(code, out var rates))
            {
                continue;
            }

            foreach (var rate in rates)
            {
                if (rate.Numerator == code && accepted.TryGetValue(rate.Denominator!, out var denominator) && value > denominator.Value)
                {
                    var numeratorName = catalog[code].Name;
                    var denominatorName = catalog[rate.Denominator!].Name;
                    violations.Add(new($"values[{index}].value",
                        $"{numeratorName}（{value:0.##}）不能大于{denominatorName}（{denominator.Value:0.##}）"));
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// Whether the value is a number of at most <see cref="AmountDecimals"/> decimals. Binary arithmetic noise (3 × 0.1
    /// sent as 0.30000000000000004, a few units in the last place from 0.3) is the same number and is stored as 0.3;
    /// any real further digit (1000000.0004, 0.125) is refused, never rounded away, whatever the magnitude.
    /// </summary>
    public static bool HasAtMostAmountDecimals(double value)
    {
        var rounded = Math.Round(value, AmountDecimals, MidpointRounding.AwayFromZero);
        var magnitude = Math.Abs(value);
        var ulp = Math.BitIncrement(magnitude) - magnitude;
        return Math.Abs(value - rounded) <= 4 * ulp;
    }

    private static string? CheckValue(Indicator indicator, double value)
    {
        if (!double.IsFinite(value))
        {
            return "须为有限数值（不接受 NaN 或无穷大）";
        }

        return indicator.Kind switch
        {
            IndicatorKind.Count or IndicatorKind.Event when value < 0 => "不能为负数",
            IndicatorKind.Count or IndicatorKind.Event when value != Math.Floor(value) => "须为整数",
            IndicatorKind.Count or IndicatorKind.Event when value > MaxCount => $"超过上限 {MaxCount:0}",
            IndicatorKind.Amount when value < 0 => "不能为负数",
            IndicatorKind.Amount when value > MaxAmount => $"超过上限 {MaxAmount:0}",
            IndicatorKind.Amount when !HasAtMostAmountDecimals(value) => $"最多保留 {AmountDecimals} 位小数（收到 {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}），请按 {AmountDecimals} 位小数填写，平台不代为舍入",
            IndicatorKind.Rate when value is < 0 or > 100 => "须在 0–100 之间",
            IndicatorKind.Score when value < 0 || value > (indicator.Max ?? 100) =>
                $"须在 0–{(indicator.Max ?? 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} 之间",
            IndicatorKind.Flag when value is not (0 or 1) => "须为 1（是）或 0（否）",
            _ when indicator.Kind != IndicatorKind.Score && indicator.Max is { } max && value > max => $"超过本指标上限 {max.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}",
            _ => null,
        };
    }

    private static string SourceName(IndicatorSource source) => source switch
    {
        IndicatorSource.Unit => "下属单位",
        IndicatorSource.County => "县（区）本级",
        IndicatorSource.Assessor => "考核人员",
        _ => "系统计算",
    };

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "…";
}

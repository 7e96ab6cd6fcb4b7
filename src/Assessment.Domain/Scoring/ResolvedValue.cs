using Assessment.Domain.Catalog;

namespace Assessment.Domain.Scoring;

/// <summary>A county's value for one indicator as scoring sees it, with the parts a rate came from.</summary>
public readonly record struct ResolvedValue(double? Value, double? Numerator, double? Denominator, LineStatus Status, bool Reported)
{
    /// <summary>
    /// Resolves an indicator's value from the county's aggregated values. A computed rate is taken from its summed
    /// parts when the denominator reaches the minimum; below it the rate is not scored; with no parts at all a reported
    /// percentage is used.
    /// </summary>
    public static ResolvedValue Of(Indicator indicator, IReadOnlyDictionary<string, double> values, int? minDenominator = null)
    {
        values.TryGetValue(indicator.Code, out var own);
        var hasOwn = values.ContainsKey(indicator.Code);
        if (!indicator.IsComputedRate)
        {
            return hasOwn ? new(own, null, null, LineStatus.Scored, false) : new(null, null, null, LineStatus.Missing, false);
        }

        var hasNum = values.TryGetValue(indicator.Numerator!, out var num);
        var hasDen = values.TryGetValue(indicator.Denominator!, out var den);
        if (hasNum && hasDen)
        {
            var min = minDenominator ?? indicator.MinDenominator;
            return den < min
                ? new(null, num, den, LineStatus.NotScored, false)
                : new(Scorer.Round(100.0 * num / den), num, den, LineStatus.Scored, false);
        }

        return hasOwn ? new(own, null, null, LineStatus.Scored, true) : new(null, null, null, LineStatus.Missing, false);
    }
}

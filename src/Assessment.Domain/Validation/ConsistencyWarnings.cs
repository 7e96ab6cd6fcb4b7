using System.Globalization;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Validation;

/// <summary>A non-blocking finding an assessor should look at (报送数据提示).</summary>
public sealed record ConsistencyWarning(string Code, string Message);

/// <summary>
/// The catalog's warning rules over a county's aggregated figures: a reported rate that differs from the one its
/// summed parts give by more than 0.5 points, and part-whole orders that can only hold across units in aggregate
/// (e.g. lawsuits lost ≤ concluded ≤ cases). Blocking checks happen per submission in <see cref="SubmissionValidator"/>.
/// </summary>
public static class ConsistencyWarnings
{
    /// <summary>Largest tolerated gap between a reported rate and the computed one, in percentage points.</summary>
    public const double RateTolerance = 0.5;

    private static readonly (string Smaller, string Larger)[] Orders =
    [
        ("dispute.litigation_lost", "dispute.litigation_concluded"),
        ("dispute.litigation_concluded", "dispute.litigation_cases"),
        ("dispute.reconsideration_accepted", "dispute.reconsideration_applications"),
        ("dispute.reconsideration_concluded", "dispute.reconsideration_accepted"),
    ];

    public static IReadOnlyList<ConsistencyWarning> Check(IndicatorCatalog catalog, IReadOnlyDictionary<string, double> values)
    {
        var warnings = new List<ConsistencyWarning>();
        foreach (var rate in catalog.Indicators.Where(i => i.IsComputedRate))
        {
            if (values.TryGetValue(rate.Code, out var reported)
                && values.TryGetValue(rate.Numerator!, out var numerator)
                && values.TryGetValue(rate.Denominator!, out var denominator)
                && denominator > 0)
            {
                var computed = Scorer.Round(100 * numerator / denominator);
                if (Math.Abs(reported - computed) > RateTolerance)
                {
                    warnings.Add(new(rate.Code, string.Create(CultureInfo.InvariantCulture,
                        $"{rate.Name}填报为 {Scorer.F(reported)}%，按{catalog[rate.Numerator!].Name}/{catalog[rate.Denominator!].Name}（{Scorer.F(numerator)}/{Scorer.F(denominator)}）计算为 {Scorer.F(computed)}%，相差超过 {RateTolerance} 个百分点；计分采用计算值")));
                }
            }
        }

        foreach (var (smaller, larger) in Orders)
        {
            if (values.TryGetValue(smaller, out var s) && values.TryGetValue(larger, out var l) && s > l)
            {
                warnings.Add(new(smaller, $"{catalog[smaller].Name}（{Scorer.F(s)}）大于{catalog[larger].Name}（{Scorer.F(l)}），请核实（可能含上年结转）"));
            }
        }

        return warnings;
    }
}

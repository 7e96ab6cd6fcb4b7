using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Benchmarks;

/// <summary>Plausible county aggregates for every catalog indicator: parts never exceed wholes, flags are 0/1.</summary>
internal static class CountyGenerator
{
    public static CountyFacts[] Generate(IndicatorCatalog catalog, int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var indicator in catalog.Indicators)
            {
                values[indicator.Code] = indicator.Kind switch
                {
                    IndicatorKind.Flag => rng.Next(10) == 0 ? 0 : 1,
                    IndicatorKind.Event => rng.Next(6) == 0 ? rng.Next(1, 3) : 0,
                    IndicatorKind.Score or IndicatorKind.Rate => Math.Round(70 + (rng.NextDouble() * 30), 2),
                    IndicatorKind.Amount => Math.Round(rng.NextDouble() * 500, 2),
                    _ => rng.Next(5, 400),
                };
            }

            foreach (var rate in catalog.Indicators.Where(r => r.IsComputedRate))
            {
                values[rate.Numerator!] = Math.Min(values[rate.Numerator!], values[rate.Denominator!]);
            }

            values["penalty.data_fraud"] = 0;
            return new CountyFacts($"c{i:D4}", values);
        }).ToArray();
    }
}

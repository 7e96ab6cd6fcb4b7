using Assessment.Domain.Aggregation;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Tests;

public class AggregationTests
{
    private static readonly IndicatorCatalog Catalog = IndicatorCatalog.Default;
    private static readonly Dictionary<string, double> None = [];

    [Fact]
    public void Units_sum_into_the_county_and_a_correction_replaces_the_old_contribution()
    {
        var cells = new Dictionary<string, AggregateCell>();
        CountyAggregate.Apply(Catalog, cells, None, new Dictionary<string, double> { ["mediation.disputes_received"] = 10, ["mediation.amount_10k_yuan"] = 0.1 });
        CountyAggregate.Apply(Catalog, cells, None, new Dictionary<string, double> { ["mediation.disputes_received"] = 5, ["mediation.amount_10k_yuan"] = 0.2 });
        // unit 1 corrects 10 → 7 and withdraws its amount
        CountyAggregate.Apply(Catalog, cells, new Dictionary<string, double> { ["mediation.disputes_received"] = 10, ["mediation.amount_10k_yuan"] = 0.1 }, new Dictionary<string, double> { ["mediation.disputes_received"] = 7 });

        var values = CountyAggregate.Values(Catalog, cells);
        Assert.Equal(12, values["mediation.disputes_received"]);
        Assert.Equal(0.2, values["mediation.amount_10k_yuan"]);
        Assert.Equal(1, cells["mediation.amount_10k_yuan"].Reporters);
    }

    [Fact]
    public void Many_decimal_corrections_leave_no_rounding_drift()
    {
        var cells = new Dictionary<string, AggregateCell>();
        var previous = None;
        for (var i = 1; i <= 1000; i++)
        {
            var next = new Dictionary<string, double> { ["mediation.amount_10k_yuan"] = i * 0.1 };
            CountyAggregate.Apply(Catalog, cells, previous, next);
            previous = next;
        }

        Assert.Equal(100.0, CountyAggregate.Values(Catalog, cells)["mediation.amount_10k_yuan"]);
        CountyAggregate.Apply(Catalog, cells, previous, None);
        Assert.Empty(cells);
    }

    [Fact]
    public void Means_flags_and_weighted_rates_aggregate_by_their_catalog_rule()
    {
        var cells = new Dictionary<string, AggregateCell>();
        CountyAggregate.Apply(Catalog, cells, None, new Dictionary<string, double> { ["study.training_hours_per_person"] = 10, ["service.satisfaction_rate"] = 100, ["service.reviews"] = 300 });
        CountyAggregate.Apply(Catalog, cells, None, new Dictionary<string, double> { ["study.training_hours_per_person"] = 20, ["service.satisfaction_rate"] = 90, ["service.reviews"] = 100 });
        var values = CountyAggregate.Values(Catalog, cells);
        Assert.Equal(15, values["study.training_hours_per_person"]);
        Assert.Equal(97.5, values["service.satisfaction_rate"]);

        var flags = new Dictionary<string, AggregateCell>();
        CountyAggregate.Apply(Catalog, flags, None, new Dictionary<string, double> { ["org.leading_group"] = 1 });
        CountyAggregate.Apply(Catalog, flags, None, new Dictionary<string, double> { ["org.leading_group"] = 0 });
        Assert.Equal(0, CountyAggregate.Values(Catalog, flags)["org.leading_group"]); // "all" flag
    }
}

/// <summary>The quick paths of the per-submission arithmetic give what the general ones give.</summary>
public class AggregationFastPathProperties
{
    /// <summary>The shortest round-trip text parsed as a decimal: what <see cref="CountyAggregate.Exact"/> means.</summary>
    private static decimal ByText(double value) =>
        decimal.TryParse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var exact) ? exact : (decimal)value;

    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public bool Exact_is_the_decimal_of_the_shortest_text_for_any_finite_double(FsCheck.NormalFloat x) =>
        CountyAggregate.Exact(x.Get) == ByText(x.Get);

    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public bool Exact_is_the_decimal_of_the_shortest_text_for_whole_numbers(long n) =>
        CountyAggregate.Exact(n) == ByText(n);

    [Fact]
    public void Exact_keeps_the_edges_of_the_whole_number_path()
    {
        foreach (var x in new[] { 0d, -0d, 1d, -1d, 9_007_199_254_740_991d, 9_007_199_254_740_992d, -9_007_199_254_740_992d, 1e20, 0.1, 98.5, 1e-7 })
        {
            Assert.Equal(ByText(x), CountyAggregate.Exact(x));
        }
    }

    /// <summary>The audit text as first written (LINQ): the chain's stored entries must read the same.</summary>
    private static (string?, string?) Reference(IReadOnlyDictionary<string, double> from, IReadOnlyDictionary<string, double> to)
    {
        var codes = from.Keys.Union(to.Keys).Where(c => !(from.TryGetValue(c, out var a) && to.TryGetValue(c, out var b) && a == b))
            .Order(StringComparer.Ordinal).ToArray();
        if (codes.Length == 0)
        {
            return (null, null);
        }

        static string Text(IReadOnlyDictionary<string, double> values, string[] codes) => string.Join("; ",
            codes.Select(c => values.TryGetValue(c, out var v) ? $"{c}={v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : $"{c}=未填报"));
        return (Text(from, codes), Text(to, codes));
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public bool Audit_diff_reads_as_the_reference(byte[] fromCodes, byte[] toCodes, FsCheck.NormalFloat[] values)
    {
        // Codes from a small alphabet so both sides share some; values reused so some are equal.
        Dictionary<string, double> Side(byte[] picks, int offset) => picks.Take(40).Select((p, i) => ($"c.{p % 23}", i + offset))
            .GroupBy(e => e.Item1).ToDictionary(g => g.Key, g => values.Length == 0 ? g.First().Item2 % 3 : values[g.First().Item2 % values.Length].Get);
        var from = Side(fromCodes, 0);
        var to = Side(toCodes, 1);
        return Assessment.Domain.Workflow.AuditText.Diff(from, to) == Reference(from, to);
    }
}

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

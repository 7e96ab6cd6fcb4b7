using Assessment.Domain.Catalog;

namespace Assessment.Domain.Aggregation;

/// <summary>
/// The running aggregate of one indicator over the units of a county. Sums are decimal so that removing a unit's old
/// contribution restores the exact previous total, however many corrections arrive.
/// </summary>
public sealed class AggregateCell
{
    /// <summary>Sum of values (for weighted means: sum of value × weight).</summary>
    public decimal Sum { get; set; }

    /// <summary>Number of units whose value is included.</summary>
    public int Reporters { get; set; }

    /// <summary>Sum of weights (weighted means only).</summary>
    public decimal WeightSum { get; set; }
}

/// <summary>
/// Aggregates units' values into county values by applying each unit's change (old values → new values). The county
/// never needs the units' full values to stay correct: it keeps one small cell per indicator.
/// </summary>
public static class CountyAggregate
{
    /// <summary>Applies the change of one unit from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void Apply(
        IndicatorCatalog catalog,
        IDictionary<string, AggregateCell> cells,
        IReadOnlyDictionary<string, double> before,
        IReadOnlyDictionary<string, double> after)
    {
        foreach (var (code, value) in before)
        {
            if (!after.TryGetValue(code, out var next) || next != value || WeightChanged(catalog, code, before, after))
            {
                Contribute(catalog, cells, code, value, before, -1);
            }
        }

        foreach (var (code, value) in after)
        {
            if (!before.TryGetValue(code, out var previous) || previous != value || WeightChanged(catalog, code, before, after))
            {
                Contribute(catalog, cells, code, value, after, +1);
            }
        }
    }

    /// <summary>The county value of an indicator, or null when no unit reported it.</summary>
    public static double? Value(Indicator indicator, AggregateCell? cell)
    {
        if (cell is null || cell.Reporters == 0)
        {
            return null;
        }

        return indicator.Aggregation switch
        {
            AggregationMode.Sum => (double)cell.Sum,
            AggregationMode.Mean => (double)(cell.Sum / cell.Reporters),
            AggregationMode.Weighted => cell.WeightSum > 0 ? (double)(cell.Sum / cell.WeightSum) : null,
            AggregationMode.All => cell.Sum == cell.Reporters ? 1 : 0,
            AggregationMode.Any => cell.Sum > 0 ? 1 : 0,
            _ => null,
        };
    }

    /// <summary>All county values, keyed by code, for the indicators that have any.</summary>
    public static Dictionary<string, double> Values(IndicatorCatalog catalog, IReadOnlyDictionary<string, AggregateCell> cells)
    {
        var values = new Dictionary<string, double>(cells.Count, StringComparer.Ordinal);
        foreach (var (code, cell) in cells)
        {
            if (catalog.TryGet(code, out var indicator) && Value(indicator, cell) is { } value)
            {
                values[code] = value;
            }
        }

        return values;
    }

    private static bool WeightChanged(IndicatorCatalog catalog, string code, IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after)
    {
        if (!catalog.TryGet(code, out var indicator) || indicator.Aggregation != AggregationMode.Weighted)
        {
            return false;
        }

        before.TryGetValue(indicator.Weight!, out var w0);
        after.TryGetValue(indicator.Weight!, out var w1);
        return w0 != w1;
    }

    /// <summary>
    /// The decimal a double was written as: its shortest round-trip text, not the explicit conversion, which keeps only
    /// 15 significant digits.
    /// </summary>
    public static decimal Exact(double value)
    {
        // Whole numbers (most indicators are counts) below 2^53 are exact as a long, and so as a decimal: no text.
        if (Math.Abs(value) < 9_007_199_254_740_992d && value == Math.Truncate(value))
        {
            return (long)value;
        }

        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out var written, "R", System.Globalization.CultureInfo.InvariantCulture)
            && decimal.TryParse(text[..written], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var exact)
            ? exact
            : (decimal)value;
    }

    private static void Contribute(
        IndicatorCatalog catalog,
        IDictionary<string, AggregateCell> cells,
        string code,
        double value,
        IReadOnlyDictionary<string, double> unitValues,
        int sign)
    {
        if (!catalog.TryGet(code, out var indicator))
        {
            return; // a code retired from the catalog no longer aggregates
        }

        if (!cells.TryGetValue(code, out var cell))
        {
            cell = new AggregateCell();
            cells[code] = cell;
        }

        var amount = Exact(value);
        if (indicator.Aggregation == AggregationMode.Weighted)
        {
            var weight = unitValues.TryGetValue(indicator.Weight!, out var w) ? Exact(w) : 0m;
            cell.Sum += sign * amount * weight;
            cell.WeightSum += sign * weight;
        }
        else
        {
            cell.Sum += sign * amount;
        }

        cell.Reporters += sign;
        if (cell.Reporters == 0)
        {
            cells.Remove(code);
        }
    }
}

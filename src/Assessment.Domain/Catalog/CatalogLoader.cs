using System.Text.RegularExpressions;

namespace Assessment.Domain.Catalog;

/// <summary>Loads and validates the indicator catalog data file.</summary>
public static partial class CatalogLoader
{
    private static readonly Dictionary<string, IndicatorKind> Kinds = new(StringComparer.Ordinal)
    {
        ["count"] = IndicatorKind.Count,
        ["amount"] = IndicatorKind.Amount,
        ["rate"] = IndicatorKind.Rate,
        ["flag"] = IndicatorKind.Flag,
        ["event"] = IndicatorKind.Event,
        ["score"] = IndicatorKind.Score,
    };

    private static readonly Dictionary<string, IndicatorSource> Sources = new(StringComparer.Ordinal)
    {
        ["unit"] = IndicatorSource.Unit,
        ["county"] = IndicatorSource.County,
        ["assessor"] = IndicatorSource.Assessor,
        ["computed"] = IndicatorSource.Computed,
    };

    private static readonly Dictionary<string, AggregationMode> Aggregations = new(StringComparer.Ordinal)
    {
        ["sum"] = AggregationMode.Sum,
        ["mean"] = AggregationMode.Mean,
        ["weighted"] = AggregationMode.Weighted,
        ["all"] = AggregationMode.All,
        ["any"] = AggregationMode.Any,
    };

    [GeneratedRegex(@"\A[a-z][a-z0-9]*\.[a-z][a-z0-9_]*\z")]
    private static partial Regex CodePattern();

    /// <summary>Loads a catalog from a file on disk.</summary>
    public static IndicatorCatalog LoadFile(string path) => Load(File.ReadAllText(path), path);

    /// <summary>Parses and validates catalog YAML; throws <see cref="DataFileException"/> listing every problem.</summary>
    public static IndicatorCatalog Load(string yaml, string fileName)
    {
        var reader = new YamlReader(fileName);
        var root = reader.Parse(yaml);
        if (root is null)
        {
            reader.ThrowIfAny();
            throw new InvalidOperationException("unreachable");
        }

        var version = (int)(reader.Number(root, "version", "catalog") ?? 0);
        var dimensions = new List<Dimension>();
        foreach (var (node, path) in reader.Items(root, "dimensions", "catalog"))
        {
            var code = reader.String(node, "code", path);
            var name = reader.String(node, "name", path);
            if (code is null || name is null)
            {
                continue;
            }

            if (dimensions.Any(d => d.Code == code))
            {
                reader.Problem(node, $"{path}.code", $"duplicate dimension '{code}'");
                continue;
            }

            dimensions.Add(new Dimension(code, name));
        }

        var indicators = new List<Indicator>();
        var lines = new Dictionary<string, YamlDotNet.RepresentationModel.YamlNode>(StringComparer.Ordinal);
        foreach (var (node, path) in reader.Items(root, "indicators", "catalog"))
        {
            var code = reader.String(node, "code", path);
            var name = reader.String(node, "name", path);
            var kind = reader.Enum(node, "kind", path, Kinds);
            var dimension = reader.String(node, "dimension", path);
            var source = reader.Enum(node, "source", path, Sources);
            var aggregation = reader.Enum(node, "aggregate", path, Aggregations, required: false);
            var minDenominator = reader.Number(node, "min_denominator", path, required: false);
            if (code is null || name is null || kind is null || dimension is null || source is null)
            {
                continue;
            }

            if (!CodePattern().IsMatch(code))
            {
                reader.Problem(node, $"{path}.code", $"'{code}' is not of the form dimension.name in lower case");
            }

            if (!lines.TryAdd(code, node))
            {
                reader.Problem(node, $"{path}.code", $"duplicate code '{code}' (first defined on line {lines[code].Start.Line})");
                continue;
            }

            if (dimensions.All(d => d.Code != dimension))
            {
                reader.Problem(node, $"{path}.dimension", $"unknown dimension '{dimension}'");
            }

            var agg = aggregation ?? (kind == IndicatorKind.Flag ? AggregationMode.All : AggregationMode.Sum);
            if (kind == IndicatorKind.Flag && agg is not (AggregationMode.All or AggregationMode.Any))
            {
                reader.Problem(node, $"{path}.aggregate", "a flag aggregates with all or any");
            }

            indicators.Add(new Indicator(
                code, name, kind.Value, dimension, source.Value, agg,
                Unit: reader.String(node, "unit", path, required: false),
                Numerator: reader.String(node, "numerator", path, required: false),
                Denominator: reader.String(node, "denominator", path, required: false),
                MinDenominator: (int)(minDenominator ?? 1),
                Weight: reader.String(node, "weight", path, required: false),
                Note: reader.String(node, "note", path, required: false)));
        }

        var byCode = indicators.ToDictionary(i => i.Code, StringComparer.Ordinal);
        foreach (var indicator in indicators)
        {
            var node = lines[indicator.Code];
            var path = $"indicator {indicator.Code}";
            if ((indicator.Numerator is null) != (indicator.Denominator is null))
            {
                reader.Problem(node, path, "a computed rate names both numerator and denominator");
            }

            if (indicator.Numerator is not null && indicator.Kind != IndicatorKind.Rate)
            {
                reader.Problem(node, $"{path}.numerator", "only rates have parts");
            }

            foreach (var (part, field) in new[] { (indicator.Numerator, "numerator"), (indicator.Denominator, "denominator"), (indicator.Weight, "weight") })
            {
                if (part is null)
                {
                    continue;
                }

                if (!byCode.TryGetValue(part, out var partIndicator))
                {
                    reader.Problem(node, $"{path}.{field}", $"rate part '{part}' does not exist in the catalog");
                }
                else if (partIndicator.Kind is not (IndicatorKind.Count or IndicatorKind.Amount))
                {
                    reader.Problem(node, $"{path}.{field}", $"'{part}' must be a count or an amount");
                }
            }

            if (indicator.Source == IndicatorSource.Computed && !indicator.IsComputedRate)
            {
                reader.Problem(node, $"{path}.source", "computed indicators must be rates with numerator and denominator");
            }

            if (indicator.Aggregation == AggregationMode.Weighted && indicator.Weight is null)
            {
                reader.Problem(node, $"{path}.weight", "weighted aggregation needs a weight indicator");
            }

            if (indicator.MinDenominator < 1)
            {
                reader.Problem(node, $"{path}.min_denominator", "must be at least 1");
            }
        }

        if (indicators.Count == 0)
        {
            reader.Problem(root, "catalog.indicators", "the catalog has no indicators");
        }

        reader.ThrowIfAny();
        return new IndicatorCatalog(version, dimensions, indicators);
    }
}

using System.Text.RegularExpressions;
using Assessment.Domain.Keys;
using YamlDotNet.RepresentationModel;

namespace Assessment.Domain.Catalog;

/// <summary>
/// Loads and validates an indicator catalog: the national default shipped with the platform, and each tenant's own
/// versions of it. Every problem is collected with its line and field, in Chinese, so a catalog is fixed in one pass;
/// a catalog with any problem is refused whole.
/// </summary>
public static partial class CatalogLoader
{
    /// <summary>Most indicators a catalog may hold (published systems run to ~115 三级指标; a tenant to a few hundred).</summary>
    public const int MaxIndicators = 1000;

    /// <summary>Most dimensions (一级指标) a catalog may hold.</summary>
    public const int MaxDimensions = 50;

    /// <summary>Longest 填报口径 and note, in code points.</summary>
    public const int MaxGuidance = 500;

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

    private static readonly Dictionary<string, UnitKinds> ReporterNames = new(StringComparer.Ordinal)
    {
        [UnitKindNames.Township] = UnitKinds.Township,
        [UnitKindNames.Department] = UnitKinds.Department,
    };

    private static readonly HashSet<string> RootKeys = ["version", "dimensions", "indicators"];
    private static readonly HashSet<string> DimensionKeys = ["code", "name"];

    private static readonly HashSet<string> IndicatorKeys =
    [
        "code", "name", "kind", "dimension", "source", "aggregate", "unit", "numerator", "denominator", "min_denominator",
        "weight", "note", "reported_only", "guidance", "reporters", "retired", "max",
    ];

    [GeneratedRegex(@"\A[a-z][a-z0-9]*\.[a-z][a-z0-9_]*\z")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"\A[a-z][a-z0-9_]*\z")]
    private static partial Regex DimensionPattern();

    /// <summary>Loads a catalog from a file on disk.</summary>
    public static IndicatorCatalog LoadFile(string path) => Load(File.ReadAllText(path), path);

    /// <summary>Parses and validates catalog YAML; throws <see cref="DataFileException"/> listing every problem.</summary>
    public static IndicatorCatalog Load(string yaml, string fileName)
    {
        var reader = new YamlReader(fileName, YamlLimits.Catalog);
        var root = reader.Parse(yaml);
        if (root is null)
        {
            reader.ThrowIfAny();
            throw new InvalidOperationException("unreachable");
        }

        UnknownKeys(reader, root, RootKeys, "catalog");
        var version = reader.Number(root, "version", "catalog");
        if (version is { } v && (v < 1 || v != Math.Floor(v) || v > 1_000_000))
        {
            reader.Problem(YamlReader.Child(root, "version"), "catalog.version", "须为不小于 1 的整数");
        }

        var dimensions = Dimensions(reader, root);
        var (indicators, lines) = Indicators(reader, root, dimensions);
        CheckReferences(reader, indicators, lines);
        if (indicators.Count == 0 && reader.Problems.Count == 0)
        {
            reader.Problem(root, "catalog.indicators", "指标目录中没有指标");
        }

        reader.ThrowIfAny();
        return new IndicatorCatalog((int)version!.Value, dimensions, indicators);
    }

    private static List<Dimension> Dimensions(YamlReader reader, YamlMappingNode root)
    {
        var dimensions = new List<Dimension>();
        var count = 0;
        foreach (var (node, path) in reader.Items(root, "dimensions", "catalog"))
        {
            if (++count > MaxDimensions)
            {
                reader.Problem(node, "catalog.dimensions", $"一级指标不超过 {MaxDimensions} 个");
                break;
            }

            UnknownKeys(reader, node, DimensionKeys, path);
            var code = reader.String(node, "code", path);
            var name = Name(reader, node, path);
            if (code is null || name is null)
            {
                continue;
            }

            if (!DimensionPattern().IsMatch(code) || code.Length > 32)
            {
                reader.Problem(YamlReader.Child(node, "code"), $"{path}.code", $"“{Shown(code)}”须由小写字母、数字和下划线组成，以字母开头，不超过 32 个字符");
                continue;
            }

            if (dimensions.Any(d => d.Code == code))
            {
                reader.Problem(node, $"{path}.code", $"一级指标代码“{code}”重复");
                continue;
            }

            dimensions.Add(new Dimension(code, name));
        }

        return dimensions;
    }

    private static (List<Indicator> Indicators, Dictionary<string, YamlNode> Lines) Indicators(
        YamlReader reader, YamlMappingNode root, List<Dimension> dimensions)
    {
        var indicators = new List<Indicator>();
        var lines = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var lookAlikes = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var (node, path) in reader.Items(root, "indicators", "catalog"))
        {
            if (++count > MaxIndicators)
            {
                reader.Problem(node, "catalog.indicators", $"指标不超过 {MaxIndicators} 项");
                break;
            }

            UnknownKeys(reader, node, IndicatorKeys, path);
            var code = reader.String(node, "code", path);
            var name = Name(reader, node, path);
            var kind = reader.Enum(node, "kind", path, Kinds);
            var dimension = reader.String(node, "dimension", path);
            var source = reader.Enum(node, "source", path, Sources);
            var aggregation = reader.Enum(node, "aggregate", path, Aggregations, required: false);
            var minDenominator = reader.Number(node, "min_denominator", path, required: false);
            var retired = reader.Bool(node, "retired", path) ?? false;
            var max = reader.Number(node, "max", path, required: false);
            var guidance = Text(reader, node, "guidance", path);
            var note = Text(reader, node, "note", path);
            var measure = reader.String(node, "unit", path, required: false);
            var reporters = Reporters(reader, node, path);
            if (code is null || name is null || kind is null || dimension is null || source is null)
            {
                continue;
            }

            if (!CodePattern().IsMatch(code) || code.Length > 64)
            {
                reader.Problem(YamlReader.Child(node, "code"), $"{path}.code",
                    $"“{Shown(code)}”须为“一级指标.名称”的形式：小写字母、数字和下划线，不超过 64 个字符");
                continue;
            }

            if (!lines.TryAdd(code, node))
            {
                reader.Problem(node, $"{path}.code", $"指标代码“{code}”重复（首次出现在第 {lines[code].Start.Line} 行）");
                continue;
            }

            // Codes that differ only by underscores read the same in a form or a spreadsheet header.
            var folded = code.Replace("_", "", StringComparison.Ordinal);
            if (!lookAlikes.TryAdd(folded, code))
            {
                reader.Problem(node, $"{path}.code", $"指标代码“{code}”与“{lookAlikes[folded]}”仅差下划线，容易混淆");
            }

            if (!retired && !names.TryAdd(name, code))
            {
                reader.Problem(node, $"{path}.name", $"名称“{name}”与指标 {names[name]} 相同；在用指标的名称须互不相同");
            }

            if (dimensions.All(d => d.Code != dimension))
            {
                reader.Problem(YamlReader.Child(node, "dimension"), $"{path}.dimension", $"未知一级指标“{Shown(dimension)}”");
            }

            var agg = aggregation ?? (kind == IndicatorKind.Flag ? AggregationMode.All : AggregationMode.Sum);
            if (kind == IndicatorKind.Flag && agg is not (AggregationMode.All or AggregationMode.Any))
            {
                reader.Problem(YamlReader.Child(node, "aggregate"), $"{path}.aggregate", "是/否类指标的汇总方式须为 all（全部为是）或 any（任一为是）");
            }

            if (reporters is not null && source != IndicatorSource.Unit)
            {
                reader.Problem(YamlReader.Child(node, "reporters"), $"{path}.reporters", "只有由单位填报（source: unit）的指标才能限定填报单位类型");
            }

            if (max is { } m && (m <= 0 || kind is IndicatorKind.Flag))
            {
                reader.Problem(YamlReader.Child(node, "max"), $"{path}.max", kind is IndicatorKind.Flag ? "是/否类指标没有上限" : "上限须大于 0");
            }

            if (measure is not null && DisplayName.Check(measure) is { Problem: { } unitProblem })
            {
                reader.Problem(YamlReader.Child(node, "unit"), $"{path}.unit", $"计量单位{unitProblem}");
            }

            indicators.Add(new Indicator(
                code, name, kind.Value, dimension, source.Value, agg,
                Unit: measure,
                Numerator: reader.String(node, "numerator", path, required: false),
                Denominator: reader.String(node, "denominator", path, required: false),
                MinDenominator: (int)Math.Clamp(minDenominator ?? 1, 0, 1_000_000),
                Weight: reader.String(node, "weight", path, required: false),
                Note: note,
                Guidance: guidance,
                Reporters: reporters ?? UnitKinds.All,
                Retired: retired,
                Max: kind is IndicatorKind.Score ? max ?? 100 : max));
        }

        return (indicators, lines);
    }

    private static void CheckReferences(YamlReader reader, List<Indicator> indicators, Dictionary<string, YamlNode> lines)
    {
        var byCode = indicators.ToDictionary(i => i.Code, StringComparer.Ordinal);
        foreach (var indicator in indicators)
        {
            var node = lines[indicator.Code];
            var path = $"indicator {indicator.Code}";
            if ((indicator.Numerator is null) != (indicator.Denominator is null))
            {
                reader.Problem(node, path, "按分子分母计算的比率须同时写明 numerator 和 denominator");
            }

            if (indicator.Numerator is not null && indicator.Kind != IndicatorKind.Rate)
            {
                reader.Problem(node, $"{path}.numerator", "只有比率类指标有分子分母");
            }

            if (indicator.Numerator is not null && indicator.Numerator == indicator.Denominator)
            {
                reader.Problem(node, $"{path}.denominator", "分子与分母不能是同一项指标");
            }

            foreach (var (part, field) in new[] { (indicator.Numerator, "numerator"), (indicator.Denominator, "denominator"), (indicator.Weight, "weight") })
            {
                if (part is null)
                {
                    continue;
                }

                // A part must be a reported count or amount, never another rate: so parts can never refer to each other
                // and computing a rate never recurses.
                if (!byCode.TryGetValue(part, out var partIndicator))
                {
                    reader.Problem(node, $"{path}.{field}", $"指标目录中没有“{Shown(part)}”");
                }
                else if (partIndicator.Kind is not (IndicatorKind.Count or IndicatorKind.Amount))
                {
                    reader.Problem(node, $"{path}.{field}", $"“{part}”须为计数或数值类指标（比率不能由比率计算）");
                }
                else if (partIndicator.Retired && !indicator.Retired)
                {
                    reader.Problem(node, $"{path}.{field}", $"“{part}”已停用，在用指标不能以它为{(field == "weight" ? "权重" : "分子或分母")}");
                }
            }

            if (indicator.Source == IndicatorSource.Computed && !indicator.IsComputedRate)
            {
                reader.Problem(node, $"{path}.source", "平台计算（computed）的指标须为写明分子分母的比率");
            }

            if (indicator.IsComputedRate && indicator.Source != IndicatorSource.Computed)
            {
                reader.Problem(node, $"{path}.source", "写明分子分母的比率由平台计算，source 须为 computed");
            }

            if (indicator.Aggregation == AggregationMode.Weighted && indicator.Weight is null)
            {
                reader.Problem(node, $"{path}.weight", "加权平均须写明权重指标（weight）");
            }

            if (indicator.MinDenominator < 1)
            {
                reader.Problem(node, $"{path}.min_denominator", "须不小于 1");
            }
        }
    }

    private static string? Name(YamlReader reader, YamlMappingNode node, string path)
    {
        var text = reader.String(node, "name", path);
        if (text is null)
        {
            return null;
        }

        var (name, problem) = DisplayName.Check(text);
        if (problem is not null)
        {
            reader.Problem(YamlReader.Child(node, "name"), $"{path}.name", problem);
        }

        return name;
    }

    private static string? Text(YamlReader reader, YamlMappingNode node, string key, string path)
    {
        var text = reader.String(node, key, path, required: false);
        if (text is not null && FreeText.Problem(text, MaxGuidance) is { } problem)
        {
            reader.Problem(YamlReader.Child(node, key), $"{path}.{key}", $"{(key == "guidance" ? "填报口径" : "说明")}{problem}");
            return null;
        }

        return text?.Trim();
    }

    private static UnitKinds? Reporters(YamlReader reader, YamlMappingNode node, string path)
    {
        var child = YamlReader.Child(node, "reporters");
        if (child is null)
        {
            return null;
        }

        if (child is not YamlSequenceNode list || list.Children.Count == 0)
        {
            reader.Problem(child, $"{path}.reporters", $"须为单位类型的列表（{string.Join("、", ReporterNames.Keys)}）");
            return null;
        }

        var kinds = UnitKinds.None;
        foreach (var item in list.Children)
        {
            if (item is YamlScalarNode { Value: { } value } && ReporterNames.TryGetValue(value, out var kind))
            {
                kinds |= kind;
            }
            else
            {
                reader.Problem(item, $"{path}.reporters", $"未知单位类型“{Shown((item as YamlScalarNode)?.Value ?? "")}”（可选：{string.Join("、", ReporterNames.Keys)}）");
            }
        }

        return kinds;
    }

    private static void UnknownKeys(YamlReader reader, YamlMappingNode node, HashSet<string> known, string path)
    {
        foreach (var key in node.Children.Keys)
        {
            if (key is YamlScalarNode { Value: { } name } && !known.Contains(name))
            {
                var close = Similar.To(name, known, take: 1);
                reader.Problem(key, $"{path}.{Shown(name)}", $"未知字段{(close.Count > 0 ? $"，是否应为 {close[0]}？" : "")}");
            }
        }
    }

    /// <summary>Input quoted back in a message: at most 64 characters, controls shown as '?'.</summary>
    private static string Shown(string text)
    {
        var cut = text.Length > 64 ? text[..64] + "…" : text;
        return new string(cut.Select(c => char.IsControl(c) || FreeText.IsForbidden(c) ? '?' : c).ToArray());
    }
}

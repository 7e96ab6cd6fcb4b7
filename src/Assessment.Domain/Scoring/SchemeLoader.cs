using Assessment.Domain.Catalog;

namespace Assessment.Domain.Scoring;

/// <summary>Loads and validates a scheme file against the catalog.</summary>
public static class SchemeLoader
{
    private static readonly IReadOnlyDictionary<string, RuleKind> Rules = SchemeRules.Names;

    private static readonly Dictionary<string, MissingPolicy> MissingPolicies = new(StringComparer.Ordinal)
    {
        ["zero"] = MissingPolicy.Zero,
        ["not_scored"] = MissingPolicy.NotScored,
        ["full"] = MissingPolicy.Full,
    };

    /// <summary>Longest 评分标准 text a line may carry, in code points.</summary>
    public const int MaxStandard = 300;

    /// <summary>A person-written text of a line (二级指标 name, 评分标准), checked like every free text.</summary>
    private static string? LineText(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode node, string key, string path, int max)
    {
        var text = r.String(node, key, path, required: false);
        if (text is not null && Keys.FreeText.Problem(text, max) is { } problem)
        {
            r.Problem(YamlReader.Child(node, key), $"{path}.{key}", (key is "group" or "name" ? "二级指标名称" : "评分标准") + problem);
            return null;
        }

        return text?.Trim();
    }

    /// <summary>The scheme shipped with the platform (catalog.md's default).</summary>
    public static Scheme Default(IndicatorCatalog catalog) => Load(EmbeddedData.Read("default-scheme.yaml"), "default-scheme.yaml", catalog);

    /// <summary>Parses and validates scheme YAML; throws <see cref="DataFileException"/> naming line and field.</summary>
    public static Scheme Load(string yaml, string fileName, IndicatorCatalog catalog)
    {
        var r = new YamlReader(fileName);
        var root = r.Parse(yaml);
        if (root is null)
        {
            r.ThrowIfAny();
        }

        var code = r.String(root!, "code", "scheme") ?? "";
        var version = (int)(r.Number(root!, "version", "scheme") ?? 0);
        var name = r.String(root!, "name", "scheme") ?? "";
        var missing = r.Enum(root!, "missing", "scheme", MissingPolicies, required: false) ?? MissingPolicy.Zero;
        var dimensions = new List<SchemeDimension>();
        var usedIndicators = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (node, path) in r.Items(root!, "dimensions", "scheme"))
        {
            var dcode = r.String(node, "code", path) ?? "";
            var dname = r.String(node, "name", path) ?? "";
            var weight = r.Number(node, "weight", path) ?? 0;
            var lines = new List<SchemeLine>();
            var placed = new List<(YamlDotNet.RepresentationModel.YamlMappingNode Node, string Path)>();
            foreach (var (ln, lpath) in r.Items(node, "lines", path))
            {
                var indicator = Indicator(r, ln, lpath, catalog, usedIndicators);
                var given = r.Number(ln, "points", lpath);
                var points = given ?? 0;
                var rule = r.Enum(ln, "rule", lpath, Rules);
                if (given is <= 0)
                {
                    r.Problem(YamlReader.Child(ln, "points"), $"{lpath}.points", "须大于 0");
                }

                if (indicator is null || rule is null)
                {
                    continue;
                }

                var line = new SchemeLine(indicator.Code, points, rule.Value,
                    Target: r.Number(ln, "target", lpath, required: rule == RuleKind.TargetRatio) ?? 100,
                    Lo: r.Number(ln, "lo", lpath, required: rule == RuleKind.Linear) ?? 0,
                    Hi: r.Number(ln, "hi", lpath, required: rule == RuleKind.Linear) ?? 100,
                    N: (int)(r.Number(ln, "n", lpath, required: rule == RuleKind.MinCount) ?? 0),
                    Deduct: r.Number(ln, "deduct", lpath, required: rule == RuleKind.MinCount) ?? 0,
                    Inverted: r.Bool(ln, "inverted", lpath) ?? false,
                    MinDenominator: r.Number(ln, "min_denominator", lpath, required: false) is { } md ? (int)md : null,
                    Cap: r.Number(ln, "cap", lpath, required: false),
                    Missing: r.Enum(ln, "missing", lpath, MissingPolicies, required: false),
                    Group: LineText(r, ln, "group", lpath, 64),
                    Standard: LineText(r, ln, "standard", lpath, MaxStandard),
                    Method: r.Enum(ln, "method", lpath, ScoringStandard.MethodNames, required: false),
                    Variants: Variants(r, ln, lpath),
                    Review: r.Bool(ln, "review", lpath) ?? false);
                CheckRuleFits(r, ln, lpath, indicator, line);
                lines.Add(line);
                placed.Add((ln, lpath));
            }

            var deductions = EventLines(r, node, "deductions", path, catalog, usedIndicators);
            var sum = lines.Sum(l => l.Points);
            if (Math.Abs(sum - weight) > 1e-9)
            {
                r.Problem(YamlReader.Child(node, "weight"), $"{path}.weight", $"为 {weight:0.##}，但其各项分值合计 {sum:0.##}");
            }

            dimensions.Add(new SchemeDimension(dcode, dname, weight, lines, deductions, Sections(r, node, path, lines, placed)));
        }

        var bonusNode = YamlReader.Child(root!, "bonus") as YamlDotNet.RepresentationModel.YamlMappingNode;
        var bonusCap = bonusNode is null ? 0 : r.Number(bonusNode, "cap", "scheme.bonus") ?? 0;
        var bonusInside = bonusNode is not null && (r.Bool(bonusNode, "inside", "scheme.bonus") ?? false);
        var total = dimensions.Sum(d => d.Weight);
        var expected = bonusInside ? 100 - bonusCap : 100;
        if (dimensions.Count > 0 && Math.Abs(total - expected) > 1e-9)
        {
            r.Problem(YamlReader.Child(root!, "dimensions"), "scheme.dimensions",
                bonusInside
                    ? $"各一级指标分值合计 {total:0.##}；加分项计入 100 分之内时，合计须为 {expected:0.##}"
                    : $"各一级指标分值合计 {total:0.##}，应为 100");
        }

        // A category with 分值 of its own (县 and 区 scored differently) must reach the same total with its own points.
        foreach (var category in dimensions.SelectMany(d => d.Lines).SelectMany(l => l.Variants?.Keys ?? []).Distinct(StringComparer.Ordinal))
        {
            var own = dimensions.Sum(d => d.Lines.Sum(l => l.PointsFor(category)));
            if (Math.Abs(own - expected) > 1e-9)
            {
                r.Problem(YamlReader.Child(root!, "dimensions"), "scheme.dimensions", $"“{category}”类考核对象的各项分值合计 {own:0.##}，应为 {expected:0.##}");
            }
        }

        foreach (var group in dimensions.GroupBy(d => d.Code).Where(g => g.Count() > 1))
        {
            r.Problem(root, "scheme.dimensions", $"一级指标“{group.Key}”出现 {group.Count()} 次");
        }

        var bonus = bonusNode is null ? [] : EventLines(r, bonusNode, "lines", "scheme.bonus", catalog, usedIndicators);
        var veto = new List<string>();
        if (YamlReader.Child(root!, "veto") is YamlDotNet.RepresentationModel.YamlSequenceNode vetoes)
        {
            foreach (var v in vetoes.Children.OfType<YamlDotNet.RepresentationModel.YamlScalarNode>())
            {
                if (v.Value is null || !catalog.TryGet(v.Value, out var vetoIndicator))
                {
                    r.Problem(v, "scheme.veto", $"指标目录中没有“{v.Value}”");
                }
                else if (vetoIndicator.Kind is not (IndicatorKind.Flag or IndicatorKind.Event))
                {
                    r.Problem(v, "scheme.veto", $"“{v.Value}”是{KindName(vetoIndicator.Kind)}类指标；一票否决须为是/否或事件类指标");
                }
                else
                {
                    veto.Add(v.Value);
                }
            }
        }

        var (grades, quota, groups) = Grades(r, root!);
        if (version < 1)
        {
            r.Problem(YamlReader.Child(root!, "version"), "scheme.version", "须为不小于 1 的整数");
        }

        r.ThrowIfAny();
        return new Scheme(code, version, name, dimensions, r.Number(root!, "deductions_cap", "scheme", required: false) ?? double.MaxValue,
            bonusCap, bonus, veto, grades, quota, missing, bonusInside, groups);
    }

    /// <summary>Most categories of assessed body a line may give 分值 of their own.</summary>
    public const int MaxVariants = 8;

    /// <summary>A line's 分值 for categories of assessed body: <c>variants: { 区: 2 }</c>; 0 = not assessed on it.</summary>
    private static Dictionary<string, double>? Variants(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode line, string path)
    {
        if (YamlReader.Child(line, "variants") is not { } node)
        {
            return null;
        }

        if (node is not YamlDotNet.RepresentationModel.YamlMappingNode map || map.Children.Count is 0 or > MaxVariants)
        {
            r.Problem(node, $"{path}.variants", $"须为“类别: 分值”的映射（1–{MaxVariants} 个类别，如 {{ 区: 2 }}）");
            return null;
        }

        var variants = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var category = (key as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value?.Trim() ?? "";
            var problem = category.Length == 0 ? "不能为空" : Keys.FreeText.Problem(category, 16);
            if (problem is not null)
            {
                r.Problem(key, $"{path}.variants", "类别名称" + problem);
                continue;
            }

            if (value is not YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text }
                || !double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var points)
                || !double.IsFinite(points) || points < 0)
            {
                r.Problem(value, $"{path}.variants.{category}", "须为不小于 0 的数字（0 表示该类考核对象不考核此项）");
                continue;
            }

            variants[category] = points;
        }

        return variants.Count == 0 ? null : variants;
    }

    /// <summary>
    /// A dimension's 二级指标: declared with their 分值 (<c>sections: [ { name: 组织保障, points: 6 } ]</c>), every line then under
    /// one of them and each adding up to its 分值; otherwise taken from the lines' groups.
    /// </summary>
    private static IReadOnlyList<SchemeSection>? Sections(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode dimension, string path,
        List<SchemeLine> lines, List<(YamlDotNet.RepresentationModel.YamlMappingNode Node, string Path)> placed)
    {
        if (YamlReader.Child(dimension, "sections") is null)
        {
            return null; // derived from the lines' groups (SchemeDimension.Levels)
        }

        var declared = new List<SchemeSection>();
        foreach (var (node, spath) in r.Items(dimension, "sections", path))
        {
            var name = r.String(node, "name", spath) is null ? null : LineText(r, node, "name", spath, 64);
            var points = r.Number(node, "points", spath);
            if (name is null || points is null)
            {
                continue;
            }

            if (declared.Any(d => d.Name == name))
            {
                r.Problem(YamlReader.Child(node, "name"), $"{spath}.name", $"二级指标“{name}”出现两次");
                continue;
            }

            var under = lines.Where(l => l.Group == name).ToList();
            var sum = under.Sum(l => l.Points);
            if (under.Count == 0 || Math.Abs(sum - points.Value) > 1e-9)
            {
                r.Problem(YamlReader.Child(node, "points"), $"{spath}.points",
                    under.Count == 0 ? $"二级指标“{name}”下没有三级指标" : $"为 {points:0.##}，但其下各三级指标分值合计 {sum:0.##}");
            }

            declared.Add(new SchemeSection(name, points.Value));
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Group is not { } group || declared.All(d => d.Name != group))
            {
                r.Problem(YamlReader.Child(placed[i].Node, "group") ?? placed[i].Node, $"{placed[i].Path}.group",
                    lines[i].Group is null ? "已设二级指标时，每个三级指标须注明所属二级指标（group）" : $"“{lines[i].Group}”不是本一级指标已设的二级指标");
            }
        }

        return declared;
    }

    private static Indicator? Indicator(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode node, string path, IndicatorCatalog catalog, HashSet<string> used)
    {
        var code = r.String(node, "indicator", path);
        if (code is null)
        {
            return null;
        }

        if (!catalog.TryGet(code, out var indicator))
        {
            r.Problem(YamlReader.Child(node, "indicator"), $"{path}.indicator", $"指标目录中没有“{code}”");
            return null;
        }

        if (!used.Add(code))
        {
            r.Problem(YamlReader.Child(node, "indicator"), $"{path}.indicator", $"“{code}”重复计分");
        }

        if (indicator.Retired)
        {
            r.Problem(YamlReader.Child(node, "indicator"), $"{path}.indicator", $"指标 {code}（{indicator.Name}）已在本租户的指标目录中停用，不能计分");
        }

        return indicator;
    }

    private static string KindName(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Count => "计数",
        IndicatorKind.Amount => "数值",
        IndicatorKind.Rate => "比率",
        IndicatorKind.Flag => "是/否",
        IndicatorKind.Event => "事件",
        _ => "得分",
    };

    private static string RuleName(RuleKind rule) => SchemeRules.Name(rule);

    private static void CheckRuleFits(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode node, string path, Indicator indicator, SchemeLine line)
    {
        var fits = line.Rule switch
        {
            RuleKind.YesNo => indicator.Kind == IndicatorKind.Flag,
            RuleKind.MinCount => indicator.Kind is IndicatorKind.Count or IndicatorKind.Event,
            RuleKind.TargetRatio or RuleKind.Linear or RuleKind.PeerRelative => indicator.Kind is not (IndicatorKind.Flag or IndicatorKind.Event),
            RuleKind.Panel => indicator.Kind == IndicatorKind.Score && indicator.Source == IndicatorSource.Assessor,
            _ => false,
        };
        if (!fits)
        {
            r.Problem(YamlReader.Child(node, "rule"), $"{path}.rule", $"计分规则 {RuleName(line.Rule)} 不能用于{KindName(indicator.Kind)}类指标 {indicator.Code}");
        }

        if (line.Rule == RuleKind.Linear && line.Lo == line.Hi)
        {
            r.Problem(YamlReader.Child(node, "hi"), $"{path}.hi", "lo 与 hi 不能相同");
        }

        if (line.Cap is not null && line.Rule != RuleKind.PeerRelative)
        {
            r.Problem(YamlReader.Child(node, "cap"), $"{path}.cap", "只有 peer_relative 规则可设 cap");
        }

        if (line.Review && line.Rule != RuleKind.Panel)
        {
            r.Problem(YamlReader.Child(node, "review"), $"{path}.review", "只有考核组评分（panel）规则可设复核（review）");
        }

        if (line.Rule == RuleKind.MinCount && (line.N < 1 || line.Deduct <= 0))
        {
            r.Problem(YamlReader.Child(node, "n"), $"{path}.n", "min_count 规则须有 n ≥ 1 且 deduct > 0");
        }

        if (line.Rule == RuleKind.TargetRatio && line.Target <= 0)
        {
            r.Problem(YamlReader.Child(node, "target"), $"{path}.target", "须大于 0");
        }
    }

    private static List<EventLine> EventLines(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode node, string key, string path, IndicatorCatalog catalog, HashSet<string> used)
    {
        var lines = new List<EventLine>();
        foreach (var (ln, lpath) in r.Items(node, key, path, required: false))
        {
            var indicator = Indicator(r, ln, lpath, catalog, used);
            var per = r.Number(ln, "per", lpath) ?? 0;
            var cap = r.Number(ln, "cap", lpath, required: false) ?? double.MaxValue;
            if (indicator is null)
            {
                continue;
            }

            if (indicator.Kind != IndicatorKind.Event)
            {
                r.Problem(YamlReader.Child(ln, "indicator"), $"{lpath}.indicator", $"“{indicator.Code}”不是事件类指标");
            }

            if (per <= 0 || cap <= 0)
            {
                r.Problem(ln, $"{lpath}.per", "per 与 cap 须大于 0");
            }

            lines.Add(new EventLine(indicator.Code, per, cap));
        }

        return lines;
    }

    private static (List<GradeBand>, GradeQuota?, Dictionary<string, GradeScale>?) Grades(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode root)
    {
        if (YamlReader.Child(root, "grades") is not YamlDotNet.RepresentationModel.YamlMappingNode grades)
        {
            r.Problem(root, "scheme.grades", "必填");
            return ([], null, null);
        }

        var (bands, quota) = Scale(r, grades, "scheme.grades");
        Dictionary<string, GradeScale>? groups = null;
        if (YamlReader.Child(grades, "groups") is YamlDotNet.RepresentationModel.YamlMappingNode groupNodes)
        {
            groups = new Dictionary<string, GradeScale>(StringComparer.Ordinal);
            foreach (var (key, value) in groupNodes.Children)
            {
                var group = ((YamlDotNet.RepresentationModel.YamlScalarNode)key).Value ?? "";
                if (value is not YamlDotNet.RepresentationModel.YamlMappingNode groupNode)
                {
                    r.Problem(value, $"scheme.grades.groups.{group}", "须为含 bands（及可选 quota）的映射");
                    continue;
                }

                var (groupBands, groupQuota) = Scale(r, groupNode, $"scheme.grades.groups.{group}");
                groups[group] = new GradeScale(groupBands, groupQuota);
            }
        }

        return (bands, quota, groups);
    }

    private static (List<GradeBand>, GradeQuota?) Scale(YamlReader r, YamlDotNet.RepresentationModel.YamlMappingNode grades, string at)
    {
        var bands = new List<GradeBand>();
        foreach (var (node, path) in r.Items(grades, "bands", at))
        {
            var label = r.String(node, "label", path);
            var min = r.Number(node, "min", path);
            if (label is null || min is null)
            {
                continue;
            }

            if (bands.Count > 0 && min >= bands[^1].Min)
            {
                r.Problem(YamlReader.Child(node, "min"), $"{path}.min", $"等次分数线重叠：{min:0.##} 不低于上一等次的 {bands[^1].Min:0.##}");
            }

            if (bands.Any(b => b.Label == label))
            {
                r.Problem(YamlReader.Child(node, "label"), $"{path}.label", $"等次“{label}”出现两次");
            }

            bands.Add(new GradeBand(label, min.Value));
        }

        if (bands.Count == 0)
        {
            r.Problem(grades, $"{at}.bands", "至少须有一个等次");
        }
        else if (bands[^1].Min > 0)
        {
            r.Problem(grades, $"{at}.bands", "最后一个等次的分数线须为 0，使每个得分都有等次");
        }

        GradeQuota? quota = null;
        if (YamlReader.Child(grades, "quota") is YamlDotNet.RepresentationModel.YamlMappingNode q)
        {
            var label = r.String(q, "label", $"{at}.quota");
            var share = r.Number(q, "share", $"{at}.quota");
            if (share is < 0 or > 1)
            {
                r.Problem(YamlReader.Child(q, "share"), $"{at}.quota.share", $"{share} 不在 0–1 之间（为县（区）数的比例，如 0.30）");
            }

            if (label is not null && bands.All(b => b.Label != label))
            {
                r.Problem(YamlReader.Child(q, "label"), $"{at}.quota.label", $"“{label}”不是已设的等次");
            }

            if (label is not null && share is not null)
            {
                quota = new GradeQuota(label, share.Value);
            }
        }

        return (bands, quota);
    }
}

namespace Assessment.Domain.Catalog;

/// <summary>
/// What a tenant's next catalog version may change of the previous one. Names, 填报口径, units of measure, ranges and
/// who reports may change; an indicator may be added or retired. A released code never disappears and never changes
/// what it measures (kind, source, parts), so every past year's values keep their meaning under any later version.
/// </summary>
public static class CatalogEvolution
{
    /// <summary>Problems (field path, message) that stop <paramref name="next"/> from following <paramref name="previous"/>.</summary>
    public static IReadOnlyList<(string Field, string Message)> Check(IndicatorCatalog previous, IndicatorCatalog next)
    {
        var problems = new List<(string, string)>();
        foreach (var old in previous.Indicators)
        {
            var field = $"indicator {old.Code}";
            if (!next.TryGet(old.Code, out var now))
            {
                problems.Add((field, $"不能删除已发布的指标 {old.Code}（{old.Name}）：往年数据仍用它；请改为停用（retired: true）"));
                continue;
            }

            if (now.Kind != old.Kind || now.Source != old.Source)
            {
                problems.Add((field, $"指标 {old.Code}（{old.Name}）的类型或填报方不能改变：请停用它并以新代码新增"));
            }

            if (now.Numerator != old.Numerator || now.Denominator != old.Denominator)
            {
                problems.Add((field, $"比率 {old.Code}（{old.Name}）的分子分母不能改变：请停用它并以新代码新增"));
            }

            // A score's maximum is what its marks are a share of, and an amount's unit what its figures mean: changing
            // either would rescale or relabel every figure already entered.
            if ((now.Kind == IndicatorKind.Score && now.Max != old.Max) || (now.Kind == IndicatorKind.Amount && now.Unit != old.Unit))
            {
                problems.Add((field, $"指标 {old.Code}（{old.Name}）的满分或计量单位不能改变：已录入的数值将被改变含义；请停用它并以新代码新增"));
            }

            if (now.Aggregation != old.Aggregation || now.Weight != old.Weight)
            {
                problems.Add((field, $"指标 {old.Code}（{old.Name}）的汇总方式不能改变：请停用它并以新代码新增"));
            }
        }

        foreach (var dimension in previous.Dimensions)
        {
            if (!next.Dimensions.Any(d => d.Code == dimension.Code))
            {
                problems.Add(($"dimension {dimension.Code}", $"不能删除一级指标 {dimension.Code}（{dimension.Name}）：已发布的指标仍属于它"));
            }
        }

        return problems;
    }
}

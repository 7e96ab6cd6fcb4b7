namespace Assessment.Domain.Tests;

/// <summary>The smallest scheme file around some lines: one dimension of 100 points and one grade.</summary>
internal static class OneDimensionScheme
{
    public static string With(params string[] lines) => $$"""
        code: t
        version: 1
        name: 测试
        dimensions:
          - code: d
            name: 维度
            weight: 100
            lines:
        {{string.Concat(lines.Select(l => $"      - {l}\n"))}}grades:
          bands:
            - { label: 合格, min: 0 }
        """;
}

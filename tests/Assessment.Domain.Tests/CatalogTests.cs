using Assessment.Domain;
using Assessment.Domain.Catalog;

namespace Assessment.Domain.Tests;

public class CatalogTests
{
    [Fact]
    public void The_shipped_catalog_loads_with_every_code_of_the_specification()
    {
        var catalog = IndicatorCatalog.Default;
        Assert.Equal(137, catalog.Indicators.Count);
        Assert.Equal("调解成功率", catalog["mediation.success_rate"].Name);
        Assert.Equal("mediation", catalog["legalaid.cases"].Dimension);
        Assert.Equal(AggregationMode.Mean, catalog["study.training_hours_per_person"].Aggregation);
        Assert.Equal("service.reviews", catalog["service.satisfaction_rate"].Weight);
        Assert.True(catalog["enforce.certification_rate"].IsComputedRate);
        Assert.Equal(3, catalog["dispute.litigation_loss_rate"].MinDenominator);
    }

    [Theory]
    [InlineData("kind: percentage", "未知取值“percentage”")]
    [InlineData("numerator: org.nothing_here", "指标目录中没有“org.nothing_here”")]
    [InlineData("dimension: nowhere", "未知一级指标“nowhere”")]
    public void A_broken_catalog_fails_with_a_message_naming_line_and_field(string replacement, string expected)
    {
        var yaml = """
            version: 1
            dimensions:
              - code: org
                name: 组织领导
            indicators:
              - code: org.a
                name: 甲
                kind: count
                dimension: org
                source: unit
              - code: org.b
                name: 乙
                kind: count
                dimension: org
                source: unit
              - code: org.rate
                name: 比率
                kind: rate
                dimension: org
                source: computed
                numerator: org.a
                denominator: org.b
            """;
        var broken = replacement.Split(':')[0] switch
        {
            "kind" => yaml.Replace("kind: rate", replacement, StringComparison.Ordinal),
            "numerator" => yaml.Replace("numerator: org.a", replacement, StringComparison.Ordinal),
            _ => yaml.Replace("dimension: org\n    source: computed", replacement + "\n    source: computed", StringComparison.Ordinal),
        };

        var ex = Assert.Throws<DataFileException>(() => CatalogLoader.Load(broken, "test.yaml"));
        Assert.Contains(ex.Problems, p => p.Contains(expected, StringComparison.Ordinal) && p.StartsWith("第 ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_duplicate_code_is_rejected_with_the_line_of_the_first()
    {
        var yaml = """
            version: 1
            dimensions:
              - { code: org, name: 组织领导 }
            indicators:
              - { code: org.a, name: 甲, kind: count, dimension: org, source: unit }
              - { code: org.a, name: 乙, kind: count, dimension: org, source: unit }
            """;
        var ex = Assert.Throws<DataFileException>(() => CatalogLoader.Load(yaml, "dup.yaml"));
        Assert.Contains(ex.Problems, p => p.Contains("指标代码“org.a”重复（首次出现在第 5 行）", StringComparison.Ordinal));
        Assert.Contains("dup.yaml", ex.Message, StringComparison.Ordinal);
    }
}

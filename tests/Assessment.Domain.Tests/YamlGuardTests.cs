using Assessment.Domain.Catalog;
using Assessment.Domain.Extraction;
using Assessment.Domain.Scoring;
using YamlDotNet.Core;

namespace Assessment.Domain.Tests;

/// <summary>
/// Anchors, aliases and merge keys in every YAML a person gives the platform are refused with the line, before any tree
/// is built: a generated corpus of the shapes that built self-containing nodes (and ended the process) must end in a
/// refusal, never a crash, for every loader. Keys are plain and unique.
/// </summary>
public class YamlGuardTests
{
    private const string SchemeHead = "code: x\nversion: 1\nname: 细则\n";
    private static readonly string[] Refusals = ["锚点", "别名", "合并键", "YAML 格式错误", "映射的键"];

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        foreach (var seed in Enumerable.Range(1, 400))
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_anchor_and_alias_structures_are_refused_by_every_loader(int seed)
    {
        var scheme = HostileYaml.Document(seed, SchemeHead, "dimensions");
        AssertRefused(Assert.Throws<DataFileException>(() => SchemeLoader.Load(scheme, "hostile.yaml", IndicatorCatalog.Default)), scheme);

        var catalog = HostileYaml.Document(seed, "version: 1\n", "indicators");
        AssertRefused(Assert.Throws<DataFileException>(() => CatalogLoader.Load(catalog, "catalog.yaml")), catalog);

        var cues = HostileYaml.Document(seed, "settings: { max_gap: 12 }\n", "indicators");
        AssertRefused(Assert.Throws<DataFileException>(() => CueBook.Load(cues, "cues.yaml", IndicatorCatalog.Default)), cues);

        Assert.NotNull(YamlLimits.Default.Check(scheme));
        Assert.NotNull(YamlLimits.Seed.Check(scheme));
        Assert.ThrowsAny<YamlException>(() => YamlLimits.Default.Load(scheme));
    }

    [Theory]
    [InlineData("a: &x [*x]\n", 1, "锚点")]                                    // an alias to a collection from inside itself
    [InlineData("a: 1\nb: &x {c: 1}\nd: &x [*x]\n", 2, "锚点")]                // an anchor redefined around its own alias
    [InlineData("a: *x\n", 1, "别名")]
    [InlineData("a:\n  b: 1\nc:\n  <<: {b: 2}\n", 4, "合并键")]
    [InlineData("? [a, b]\n: 1\n", 1, "映射的键")]
    [InlineData("a: 1\nb: 2\na: 3\n", 3, "出现了两次")]
    public void Each_refusal_names_its_line(string yaml, int line, string words)
    {
        var problem = Assert.Single(Assert.Throws<DataFileException>(() => SchemeLoader.Load(yaml, "s.yaml", IndicatorCatalog.Default)).Problems);
        Assert.StartsWith($"第 {line} 行", problem, StringComparison.Ordinal);
        Assert.Contains(words, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_double_less_than_is_an_ordinary_key_and_text()
    {
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)YamlLimits.Default.Load("'<<': 1\nb: '&x *y'\n")!;
        Assert.Equal(2, root.Children.Count);
    }

    [Fact]
    public void A_syntax_error_is_described_in_Chinese_with_its_position_and_without_the_parser_sentence()
    {
        var problem = Assert.Single(Assert.Throws<DataFileException>(() => SchemeLoader.Load("a: [1, 2\nb: 3\n", "s.yaml", IndicatorCatalog.Default)).Problems);
        Assert.Contains("YAML 格式错误", problem, StringComparison.Ordinal);
        Assert.DoesNotMatch("[a-z]{3,}", problem);
    }

    private static void AssertRefused(DataFileException ex, string yaml)
    {
        var problem = Assert.Single(ex.Problems);
        Assert.True(Refusals.Any(r => problem.Contains(r, StringComparison.Ordinal)), $"{problem}\n--- for ---\n{yaml}");
    }
}

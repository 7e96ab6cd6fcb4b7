using Assessment.Domain;
using Assessment.Domain.Catalog;
using Assessment.Domain.Scoring;

namespace Assessment.Domain.Tests;

/// <summary>Every file in Schemes/broken has one defect and names, in its first line, the message that must report it.</summary>
public class SchemeCorpusTests
{
    public static TheoryData<string> BrokenFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Schemes", "broken"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_ten_broken_schemes_and_its_base_is_valid()
    {
        Assert.True(BrokenFiles().Count >= 10);
        var scheme = SchemeLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemes", "valid.yaml")), "valid.yaml", IndicatorCatalog.Default);
        Assert.Equal("t@1", scheme.Id);
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void A_broken_scheme_is_rejected_naming_the_offending_field(string file)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemes", "broken", file));
        var expected = text[..text.IndexOf('\n', StringComparison.Ordinal)].Replace("# expect: ", "", StringComparison.Ordinal).Trim();

        var ex = Assert.Throws<DataFileException>(() => SchemeLoader.Load(text, file, IndicatorCatalog.Default));

        // "field: message": a problem reads "第 N 行，field：message".
        var cut = expected.IndexOf(": ", StringComparison.Ordinal);
        var (field, message) = cut > 0 && !expected[..cut].Contains(' ', StringComparison.Ordinal) ? (expected[..cut], expected[(cut + 2)..]) : ("", expected);
        Assert.Contains(ex.Problems, p => p.Contains(field, StringComparison.Ordinal) && p.Contains(message, StringComparison.Ordinal) && p.StartsWith("第 ", StringComparison.Ordinal));
    }
}

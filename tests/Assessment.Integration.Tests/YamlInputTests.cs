using Assessment.Cli;
using Assessment.Cli.Commands;
using Assessment.Domain;
using Assessment.Server.Seeding;

namespace Assessment.Integration.Tests;

/// <summary>
/// The YAML the command-line tool and the server read outside the scheme loader (a submission file, a distribution
/// list, a seed file) goes through the same guard: generated anchor/alias/merge-key structures are refused with the
/// line, in Chinese, as invalid input (exit 4 in the CLI), never a crash. No server is needed.
/// </summary>
public sealed class YamlInputTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        foreach (var seed in Enumerable.Range(1, 60))
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Submission_files_distribution_lists_and_seeds_refuse_anchors_aliases_and_merge_keys(int seed)
    {
        var submission = HostileYamlFor(seed, "year: 2024\n", "values");
        var yaml = Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => SubmitCommand.Parse(submission));
        Assert.Equal(Failures.Validation, Failures.Report(yaml, null, verbose: false, TextWriter.Null));

        var list = Path.Combine(Path.GetTempPath(), $"recipients-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(list, HostileYamlFor(seed, "", "recipients"));
            var invalid = Assert.Throws<InvalidInputException>(() => BulletinCommand.ReadRecipients(new FileInfo(list)));
            Assert.Matches("第 [0-9]+ 行", invalid.Message);
        }
        finally
        {
            File.Delete(list);
        }

        var seedFile = HostileYamlFor(seed, "year: 2024\n", "counties");
        Assert.StartsWith("第 ", Assert.Single(Assert.Throws<DataFileException>(() => SeedFile.Parse(seedFile)).Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_submission_whose_values_are_not_a_mapping_says_so_with_its_line_and_is_invalid_input()
    {
        var ex = Assert.Throws<InvalidInputException>(() => SubmitCommand.Parse("year: 2024\nvalues:\n  - mediation.disputes_received\n"));
        Assert.Contains("第 3 行", ex.Message, StringComparison.Ordinal);
        Assert.Contains("映射", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Failures.Validation, Failures.Report(ex, null, verbose: false, TextWriter.Null));
    }

    private static string HostileYamlFor(int seed, string prefix, string field) => Domain.Tests.HostileYaml.Document(seed, prefix, field);
}

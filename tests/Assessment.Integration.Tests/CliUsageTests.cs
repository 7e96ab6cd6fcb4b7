using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>
/// Mistakes on the command line itself, generated over the commands and options a person types: every one is one or
/// two Chinese lines, a pointer to --help and exit 2 — never the parser's English, a .NET type name or exit 1.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CliUsageTests(PlatformFixture platform)
{
    private static readonly string[] Commands = ["submit", "ranking", "bulletin", "scheme", "extract", "audit", "round", "county", "admin", "whoami", "catalog", "export", "template", "import"];
    private static readonly string[] English = ["Required", "Unrecognized", "Cannot parse", "System.", "was not matched", "Must be one of", "Option '", "Argument '", "Did you mean"];

    private Task<(int Exit, string Out, string Err)> Assess(params string[] args) => AssessCli.RunAsync(platform.Server, platform.Keys["assessor"], args);

    public static TheoryData<string> Mistakes()
    {
        var data = new TheoryData<string>();
        var random = new Random(1206);
        // Mistyped commands: a letter dropped, doubled or swapped.
        foreach (var command in Commands)
        {
            var i = random.Next(command.Length - 1);
            data.Add(random.Next(3) switch
            {
                0 => command.Remove(i, 1),
                1 => command.Insert(i, command[i].ToString()),
                _ => string.Concat(command[..i], command[i + 1], command[i], command[(i + 2)..]),
            });
        }

        // Options: missing, mistyped, without a value, of the wrong kind, outside their choices.
        foreach (var line in new[]
        {
            "ranking", "ranking --yeer 2024", "ranking --year", "ranking --year abc", "ranking --year 2024.5", "ranking --year 99999999999",
            "bulletin --year 2024 --format pdff", "bulletin --year x --format html", "export ranking --year 2024 --format exe",
            "submit", "ranking --year 2024 --timeout soon", "round open", "round opne --year 2024", "ranking --year 2024 extra",
        })
        {
            data.Add(line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task A_command_line_mistake_is_Chinese_with_exit_2(string line)
    {
        var (exit, _, err) = await Assess(line.Split(' '));
        Assert.True(exit == 2, $"assess {line}: exit {exit}\n{err}");
        Assert.Matches("[\u4e00-\u9fff]", err);
        foreach (var word in English)
        {
            Assert.True(!err.Contains(word, StringComparison.Ordinal), $"assess {line}: says '{word}'\n{err}");
        }

        Assert.True(err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, $"assess {line}: too long\n{err}");
    }

    [Fact]
    public async Task The_program_alone_lists_its_commands_in_Chinese_and_exits_2()
    {
        var (exit, output, err) = await Assess();
        Assert.Equal(2, exit);
        Assert.Contains("ranking", output, StringComparison.Ordinal);
        Assert.Contains("命令", output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", output + err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_command_gets_a_did_you_mean()
    {
        var (exit, _, err) = await Assess("rankin", "--year", "2024");
        Assert.Equal(2, exit);
        Assert.Contains("您是否要输入：ranking", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_output_folder_is_said_in_Chinese_with_the_path()
    {
        var folder = PostgresFixture.ScratchPath($"missing-{Guid.NewGuid():N}");
        var (exit, _, err) = await Assess("export", "ranking", "--year", "2024", "-o", Path.Combine(folder, "ranking.xlsx"));
        Assert.Equal(2, exit);
        Assert.Contains("找不到文件夹", err, StringComparison.Ordinal);
        Assert.Contains(folder, err, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_commands_help_is_Chinese_throughout()
    {
        // Walked from the program's own listing: every command and subcommand it names, two levels down.
        string[] englishHelp = ["Description:", "Usage:", "Options:", "Commands:", "Arguments:", "[options]", "[command]", "default:", "REQUIRED"];
        var queue = new Queue<string[]>([[]]);
        var seen = 0;
        while (queue.TryDequeue(out var path))
        {
            var (exit, output, err) = await Assess([.. path, "--help"]);
            var line = string.Join(' ', path.Prepend("assess"));
            Assert.True(exit == 0, $"{line} --help: exit {exit}\n{err}");
            Assert.Contains("说明：", output, StringComparison.Ordinal);
            Assert.Contains("用法：", output, StringComparison.Ordinal);
            foreach (var word in englishHelp)
            {
                Assert.True(!output.Contains(word, StringComparison.Ordinal), $"{line} --help says '{word}'\n{output}");
            }

            seen++;
            if (path.Length < 2)
            {
                foreach (var command in Subcommands(output))
                {
                    queue.Enqueue([.. path, command]);
                }
            }
        }

        Assert.True(seen > 30, $"only {seen} commands walked");
    }

    /// <summary>The command names listed under the help's 命令 heading.</summary>
    private static IEnumerable<string> Subcommands(string help)
    {
        var inCommands = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.TrimEnd() == "命令：")
            {
                inCommands = true;
                continue;
            }

            // A command's own line is indented two spaces; a wrapped description further.
            if (inCommands && line.Length > 2 && line.StartsWith("  ", StringComparison.Ordinal) && line[2] != ' ')
            {
                var name = line.Trim().Split(' ', '<', ',')[0];
                if (System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z-]*$"))
                {
                    yield return name;
                }
            }
            else if (inCommands && line.Trim().Length == 0)
            {
                inCommands = false;
            }
        }
    }
}

using System.Text.RegularExpressions;
using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>
/// The README's walkthrough, run as written against a server with the built-in 那曲市 demo: every <c>assess</c>
/// command of its shell blocks, with the YAML block as the submission file. A README that drifts from the product
/// fails here.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class ReadmeTests(PlatformFixture platform)
{
    [GeneratedRegex(@"```(?<lang>sh|yaml)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [Fact]
    public async Task Every_assess_command_of_the_readme_walkthrough_succeeds_on_the_demo()
    {
        var readme = await File.ReadAllTextAsync(ServerProcess.RepositoryFile("README.md"));
        var blocks = Block().Matches(readme).Select(m => (Lang: m.Groups["lang"].Value, Body: m.Groups["body"].Value)).ToList();
        var commands = blocks.Where(b => b.Lang == "sh")
            .SelectMany(b => b.Body.Split('\n'))
            .Select(l => (l.Contains('#', StringComparison.Ordinal) ? l[..l.IndexOf('#', StringComparison.Ordinal)] : l).Trim())
            .Where(l => l.StartsWith("assess ", StringComparison.Ordinal))
            .ToList();
        Assert.True(commands.Count >= 4, string.Join('\n', commands));
        var values = blocks.Single(b => b.Lang == "yaml").Body.Replace("\n   ", "\n", StringComparison.Ordinal).Trim() + "\n";

        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(),
            ServerProcess.RepositoryFile("src", "Assessment.Server", "Seeding", "demo-naqu.yaml")));
        var keys = server.Keys();
        var unit = keys["seni/sfj"]; // the unit the README names (色尼区司法局)
        Assert.Equal(values, (await File.ReadAllTextAsync(ServerProcess.RepositoryFile("examples", "values.yaml"))).ReplaceLineEndings("\n"));
        var work = Directory.CreateDirectory(PostgresFixture.ScratchPath($"readme-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "values.yaml"), values);

        foreach (var command in commands)
        {
            if (command.StartsWith("assess round publish", StringComparison.Ordinal))
            {
                // What the README asks of the reader before publishing: every county 上报, the assessor 审核通过.
                foreach (var county in keys.Keys.Where(k => !k.Contains('/', StringComparison.Ordinal) && k is not ("assessor" or "leader" or "tenant-admin")))
                {
                    var submitted = await AssessCli.RunAsync(server, keys[county], "county", "submit", "--year", "2024");
                    Assert.True(submitted.Exit == 0, submitted.Out + submitted.Err);
                    var approved = await AssessCli.RunAsync(server, keys["assessor"], "county", "approve", "--year", "2024", "--county", county);
                    Assert.True(approved.Exit == 0, approved.Out + approved.Err);
                }
            }

            var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
                .Select(a => a is "examples/values.yaml" ? Path.Combine(work, "values.yaml")
                    : a is "bulletin.html" or "ranking.xlsx" or "填报表.xlsx" or "全市汇总.xlsx" or "征求意见稿.pdf" or "通报.pdf" or "评分细则.xlsx" or "指标目录.yaml" ? Path.Combine(work, a) : a).ToArray();
            var asUnit = args[0] is "submit" or "whoami" or "catalog" || (args[0] == "template" && !args.Contains("--import"));
            var key = asUnit ? unit : keys["assessor"];
            var result = await AssessCli.RunAsync(server, key, args);
            Assert.True(result.Exit == 0, $"README: {command}\nexit {result.Exit}\n{result.Out}{result.Err}");
        }

        Assert.True(File.Exists(Path.Combine(work, "bulletin.html")));
        Assert.True(File.Exists(Path.Combine(work, "ranking.xlsx")));
        Assert.True(File.Exists(Path.Combine(work, "填报表.xlsx")));
        Assert.True(File.Exists(Path.Combine(work, "评分细则.xlsx")));
        Assert.Contains("indicators:", await File.ReadAllTextAsync(Path.Combine(work, "指标目录.yaml")), StringComparison.Ordinal);
        Assert.Equal("%PDF"u8.ToArray(), (await File.ReadAllBytesAsync(Path.Combine(work, "通报.pdf")))[..4]);
        Assert.Equal("%PDF"u8.ToArray(), (await File.ReadAllBytesAsync(Path.Combine(work, "征求意见稿.pdf")))[..4]);

        // The README's one-liners find the keys it says they find, in the file the server wrote.
        var credentials = Path.Combine(server.Config.DataDir, "demo-credentials.yaml");
        foreach (var (line, expected) in Block().Matches(readme).Where(m => m.Groups["lang"].Value == "sh").SelectMany(m => m.Groups["body"].Value.Split('\n'))
            .Select(l => l.Trim()).Where(l => l.StartsWith("export ASSESS_KEY=$(awk", StringComparison.Ordinal))
            .Select(l => (l, l.Contains("seni", StringComparison.Ordinal) ? unit : keys["assessor"])))
        {
            var awk = line["export ASSESS_KEY=$(".Length..line.LastIndexOf(')')].Replace(".data/demo-credentials.yaml", credentials, StringComparison.Ordinal);
            var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", awk]) { RedirectStandardOutput = true };
            using var shell = System.Diagnostics.Process.Start(start)!;
            Assert.Equal(expected, (await shell.StandardOutput.ReadToEndAsync()).Trim());
            await shell.WaitForExitAsync();
        }
    }
}

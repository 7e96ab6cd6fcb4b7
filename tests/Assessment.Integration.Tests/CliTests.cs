using System.Diagnostics;
using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>The <c>assess</c> CLI as a user runs it, against the real server.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliTests(PlatformFixture platform)
{
    private async Task<(int Exit, string Out, string Err)> Assess(string key, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(ServerProcess.RepositoryFile("src", "Assessment.Cli", "bin", ServerProcess.Configuration, "net10.0", "assess.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["ASSESS_URL"] = $"http://127.0.0.1:{platform.Server.Config.GrpcPort}";
        start.Environment["ASSESS_KEY"] = key;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Submit_retries_safely_and_reports_bad_values_field_by_field()
    {
        var file = Path.Combine(Path.GetTempPath(), $"assess-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "year: 2024\nvalues:\n  legalaid.documents_drafted: 5\n  legalaid.cases: ~\n");
        var first = await Assess(platform.Keys["beta/u6"], "submit", file);
        var second = await Assess(platform.Keys["beta/u6"], "submit", file);
        Assert.Equal(0, first.Exit);
        Assert.Contains("已受理并持久保存", first.Out, StringComparison.Ordinal);
        Assert.Contains("重复提交未重复计入", second.Out, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, "year: 2024\nvalues:\n  legalaid.documents_drafted: -5\n  bogus.code: 1\n");
        var bad = await Assess(platform.Keys["beta/u6"], "submit", file);
        Assert.Equal(3, bad.Exit);
        Assert.Contains("values[0].value", bad.Err, StringComparison.Ordinal);
        Assert.Contains("values[1].code", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ranking_and_scheme_simulate_print_tables()
    {
        var ranking = await Assess(platform.Keys["assessor"], "ranking", "--year", "2024");
        Assert.Equal(0, ranking.Exit);
        Assert.Contains("平安县", ranking.Out, StringComparison.Ordinal);

        var draft = Path.Combine(Path.GetTempPath(), $"draft-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(draft, """
            code: cli
            version: 1
            name: 命令行试算
            dimensions:
              - code: satisfaction
                name: 群众满意度
                weight: 100
                lines:
                  - { indicator: satisfaction.survey_score, points: 100, rule: linear, lo: 0, hi: 100 }
            grades:
              bands:
                - { label: 优秀, min: 90 }
                - { label: 不合格, min: 0 }
            """);
        var simulated = await Assess(platform.Keys["assessor"], "scheme", "simulate", "--scheme", draft, "--year", "2024");
        Assert.Equal(0, simulated.Exit);
        Assert.Contains("cli@1", simulated.Out, StringComparison.Ordinal);
        Assert.Contains("等次分布：优秀 1 个，不合格 2 个", simulated.Out, StringComparison.Ordinal);

        var noKey = await Assess("", "ranking", "--year", "2024");
        Assert.NotEqual(0, noKey.Exit);
    }
}

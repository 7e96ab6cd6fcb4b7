using System.Diagnostics;
using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>
/// <c>make cli</c> as a new user runs it (a home of its own, the tools folder not on the PATH): the tool is installed and
/// runs, the PATH advice is given once, and no warning of the packaging reaches the reader. In the serial collection:
/// packing rebuilds the CLI's own output, which the other classes run while they are in progress.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MakeCliTests
{
    [Fact]
    public async Task Make_cli_installs_assess_and_gives_the_path_advice_once_without_warnings()
    {
        var home = Directory.CreateDirectory(PostgresFixture.ScratchPath($"home-{Guid.NewGuid():N}")).FullName;
        var start = new ProcessStartInfo("make", ["-s", "cli"])
        {
            WorkingDirectory = Path.GetDirectoryName(ServerProcess.RepositoryFile("Assessment.sln"))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = home;
        start.Environment["DOTNET_CLI_HOME"] = home;
        // The packages already restored on this machine (a new home would otherwise download them all again).
        start.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["PATH"] = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(p => !p.Contains(".dotnet/tools", StringComparison.Ordinal)));
        using var make = Process.Start(start)!;
        var output = make.StandardOutput.ReadToEndAsync();
        var errors = make.StandardError.ReadToEndAsync();
        await make.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var said = await output + await errors;

        Assert.True(make.ExitCode == 0, said);
        Assert.Single(said.Split('\n'), l => l.Contains("export PATH=", StringComparison.Ordinal));
        Assert.DoesNotContain("warning", said, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("readme", said, StringComparison.OrdinalIgnoreCase);

        var assess = Path.Combine(home, ".dotnet", "tools", "assess");
        Assert.True(File.Exists(assess), said);
        using var help = Process.Start(new ProcessStartInfo(assess, ["--help"]) { RedirectStandardOutput = true, Environment = { ["DOTNET_CLI_HOME"] = home } })!;
        var text = await help.StandardOutput.ReadToEndAsync();
        await help.WaitForExitAsync();
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("说明：", text, StringComparison.Ordinal);
    }
}

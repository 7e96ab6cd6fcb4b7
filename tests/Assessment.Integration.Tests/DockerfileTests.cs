using System.Diagnostics;
using System.Text.RegularExpressions;
using Assessment.Integration.Tests.Infrastructure;

namespace Assessment.Integration.Tests;

/// <summary>
/// No image registry or Docker engine is reachable here, so the Dockerfile is checked as far as it can be without
/// one: what it copies exists, and what its publish step produces starts under its entrypoint and answers the probes.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class DockerfileTests(PlatformFixture platform)
{
    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex Copy();

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj) -c Release -o (?<out>\S+)")]
    private static partial Regex Publish();

    [GeneratedRegex(@"^ENTRYPOINT \[""dotnet"", ""(?<dll>[^""]+)""\]", RegexOptions.Multiline)]
    private static partial Regex Entrypoint();

    private static string Repository => Path.GetDirectoryName(ServerProcess.RepositoryFile("Assessment.sln"))!;

    [Fact]
    public async Task The_image_copies_paths_that_exist_and_its_published_entrypoint_serves_the_probes()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repository, "Dockerfile"));
        foreach (Match copy in Copy().Matches(dockerfile))
        {
            var parts = copy.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[..^1])
            {
                Assert.True(File.Exists(Path.Combine(Repository, source)) || Directory.Exists(Path.Combine(Repository, source)), $"COPY {source}: not in the repository");
            }
        }

        var publish = Publish().Match(dockerfile);
        Assert.True(publish.Success, "the build stage publishes the server");
        Assert.True(File.Exists(Path.Combine(Repository, publish.Groups["project"].Value)));
        var dll = Entrypoint().Match(dockerfile).Groups["dll"].Value;
        Assert.Equal("Assessment.Server.dll", dll);
        Assert.Contains("USER $APP_UID", dockerfile, StringComparison.Ordinal);
        Assert.Contains("image: assessment-server:latest", await File.ReadAllTextAsync(Path.Combine(Repository, "k8s", "base", "deployment.yaml")), StringComparison.Ordinal);

        // The same publish the image runs, then its entrypoint against a real database.
        var output = Path.Combine(PostgresFixture.NewDataDir(), "publish"); // removed with the run's scratch directories
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(Repository, publish.Groups["project"].Value), "-c", "Release", "-o", output, "--nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(start)!)
        {
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await log + await errors);
        }

        Assert.True(File.Exists(Path.Combine(output, dll)));

        // The published server runs server, concurrent GC (docs/scale.md), as make run and the tests do.
        using (var config = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, Path.ChangeExtension(dll, ".runtimeconfig.json")))))
        {
            var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
            Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
            Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        }

        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), null)
        {
            Dll = Path.Combine(output, dll),
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}") };
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        Assert.True((await http.GetAsync("/readyz")).IsSuccessStatusCode);
    }
}

using System.Diagnostics;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// The server as an earlier commit of this repository built it: the commit's tree taken from the history
/// (<c>git archive</c>) and published, once per machine (kept under the temporary folder, keyed by commit), so a test
/// can run yesterday's release against a database and then today's on the same one.
/// </summary>
public static class EarlierRelease
{
    /// <summary>The last commit before tenant-owned catalogs: every tenant on the compiled-in national list.</summary>
    public const string BeforeTenantCatalogs = "f4a399153a0a353eadfea9e9098a4ff1f5ba67a2";

    /// <summary>The release the current code rolls out over; moved forward when a release is cut.</summary>
    public const string Previous = "5fa58d4efcca8582d29320eda3b4e38d513482d9";

    private static readonly SemaphoreSlim OneBuild = new(1, 1);

    /// <summary>
    /// A published build of the server at <paramref name="commit"/> (one at a time in this process; the test assemblies
    /// that build earlier releases run in one process).
    /// </summary>
    /// <param name="Dll">The server to pass as <see cref="ServerProcess.Settings.Dll"/>.</param>
    /// <param name="Tree">The commit's source tree (its seed files and fixtures, as that release knew them).</param>
    public sealed record Build(string Dll, string Tree)
    {
        public string File(params string[] parts) => Path.Combine([Tree, .. parts]);
    }

    public static async Task<Build> BuildAsync(string commit)
    {
        var root = Path.Combine(Path.GetTempPath(), "assessment-earlier", commit[..12]);
        var tree = Path.Combine(root, "tree");
        var output = Path.Combine(root, "server");
        var done = Path.Combine(root, "published");
        var build = new Build(Path.Combine(output, "Assessment.Server.dll"), tree);
        await OneBuild.WaitAsync();
        try
        {
            if (File.Exists(done) && File.Exists(build.Dll))
            {
                return build;
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true); // a build that did not finish
            }

            Directory.CreateDirectory(tree);
            var repository = Path.GetDirectoryName(ServerProcess.RepositoryFile("Assessment.sln"))!;
            var archive = Path.Combine(root, "tree.tar");
            var git = await RunAsync("git", repository, TimeSpan.FromMinutes(2), "archive", "--format=tar", "-o", archive, commit);
            if (git.Exit != 0)
            {
                throw new InvalidOperationException(
                    $"Commit {commit[..12]} is not in this clone's history (a shallow clone?): the upgrade tests build earlier releases from it. git said:\n{git.Output}");
            }

            var tar = await RunAsync("tar", root, TimeSpan.FromMinutes(2), "-xf", archive, "-C", tree);
            Assert.True(tar.Exit == 0, tar.Output);
            var publish = await RunAsync("dotnet", tree, TimeSpan.FromMinutes(10),
                "publish", Path.Combine("src", "Assessment.Server", "Assessment.Server.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q");
            Assert.True(publish.Exit == 0, $"Publishing {commit[..12]} failed:\n{publish.Output}");
            await File.WriteAllTextAsync(done, commit);
            return build;
        }
        finally
        {
            OneBuild.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string directory, TimeSpan limit, params string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }
}

using System.Diagnostics;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>Runs the built <c>assess</c> CLI as a user would, against a test server.</summary>
public static class AssessCli
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(ServerProcess server, string key, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(ServerProcess.RepositoryFile("src", "Assessment.Cli", "bin", ServerProcess.Configuration, "net10.0", "assess.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["ASSESS_URL"] = $"http://127.0.0.1:{server.Config.GrpcPort}";
        start.Environment["ASSESS_KEY"] = key;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}

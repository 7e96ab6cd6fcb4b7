using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using YamlDotNet.RepresentationModel;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>The real server as a separate process on loopback, talked to over real gRPC.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, Settings settings)
    {
        _process = process;
        Config = settings;
    }

    public Settings Config { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public bool IsRunning => !_process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>
    /// The server's gRPC endpoint as every real client uses it: a write without a request_id gets one (the server requires
    /// them), as the CLI stamps them; nothing is retried, so a test sees every status as sent. <c>Channel.Raw</c> is
    /// the bare channel.
    /// </summary>
    public Assessment.Cli.ClientChannel Channel { get; private set; } = null!;

    /// <summary>How to start a server; reused to restart the same one.</summary>
    public sealed record Settings(string ConnectionString, string DataDir, string? SeedFile, bool Throwaway = true, string ClusterMode = "localhost", params string[] Extra)
    {
        public int GrpcPort { get; init; } = FreePort();
        public int WebPort { get; init; } = FreePort();
        public int SiloPort { get; init; } = FreePort();

        /// <summary>Another build of the server to run (a published one); the solution's build when null.</summary>
        public string? Dll { get; init; }
    }

    public static async Task<ServerProcess> StartAsync(Settings settings, bool expectExit = false, TimeSpan? readyTimeout = null)
    {
        // A port asked of the OS is free when asked, not necessarily when the server binds it a moment later (another
        // test process may have been handed the same one): a silo that lost that race starts again on new ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(settings, expectExit, readyTimeout);
            }
            catch (PortTakenException) when (attempt < 4)
            {
                // Which of the three it was is not always told apart (Kestrel's and Orleans' bind errors read alike when
                // the host fails to start), so all three are asked for again.
                settings = settings with { GrpcPort = FreePort(), WebPort = FreePort(), SiloPort = FreePort() };
            }
        }
    }

    /// <summary>A port was taken between asking the OS and binding it.</summary>
    private sealed class PortTakenException(string output) : InvalidOperationException($"A port was taken. Output:\n{output}");

    private static async Task<ServerProcess> StartOnceAsync(Settings settings, bool expectExit, TimeSpan? readyTimeout)
    {
        var dll = settings.Dll ?? ServerDll();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "exec", dll,
            $"--DataDir={settings.DataDir}",
            $"--GrpcPort={settings.GrpcPort}",
            $"--WebPort={settings.WebPort}",
            $"--Cluster:SiloPort={settings.SiloPort}",
            $"--Cluster:Mode={settings.ClusterMode}",
            $"--Database:Throwaway={settings.Throwaway}",
            "--Logging:LogLevel:Default=Warning",
            // Tests and benchmarks drive a few keys much harder than any real client; the rate-limit test sets its own.
            "--RateLimits:PerCredentialPerSecond=1000000",
            "--RateLimits:PerTenantPerSecond=1000000",
            // The authorization matrix fails authentication on purpose hundreds of times from one address; the
            // authentication-flood test runs a server with the default budget.
            "--Authentication:FailuresPerPeerBurst=1000000",
            "--Authentication:FailuresPerPeerPerSecond=1000000",
            "--Rounds:AllowLoopbackWebhooks=true",
        ];
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (settings.ConnectionString.Length > 0)
        {
            start.ArgumentList.Add($"--Database:ConnectionString={settings.ConnectionString}");
        }

        if (settings.SeedFile is not null)
        {
            start.ArgumentList.Add("--Demo:Enabled=true");
            start.ArgumentList.Add($"--Demo:SeedFile={settings.SeedFile}");
        }

        foreach (var a in settings.Extra)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, settings);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var finished = await Task.WhenAny(server._ready.Task, exited, Task.Delay(readyTimeout ?? TimeSpan.FromSeconds(90)));
        if (expectExit)
        {
            await exited.WaitAsync(TimeSpan.FromSeconds(60));
            process.WaitForExit(); // flush redirected output
            return server;
        }

        if (finished != server._ready.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(); // flush redirected output
            if (server.Output.Contains("AddressInUseException", StringComparison.Ordinal)
                || (server.Output.Contains("Cannot start: port", StringComparison.Ordinal) && server.Output.Contains("already in use", StringComparison.Ordinal)))
            {
                throw new PortTakenException(server.Output);
            }

            throw new InvalidOperationException($"The server did not become ready. Output:\n{server.Output}");
        }

        server.Channel = new Assessment.Cli.ClientChannel(GrpcChannel.ForAddress($"http://127.0.0.1:{settings.GrpcPort}"), retry: false);
        return server;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line == "Ready.")
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>One of the server's commands (backup, restore, tenant-export, …) run to its end: exit code and output.</summary>
    public static async Task<(int Exit, string Output)> CommandAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", ServerDll() }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true); // with the embedded PostgreSQL it may have started
            throw;
        }

        return (process.ExitCode, await output + await error);
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        if (!_process.WaitForExit(30_000))
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (!_process.HasExited)
        {
            await StopAsync();
        }

        _process.Dispose();
    }

    /// <summary>The bootstrap operator key the server wrote into its data folder on first start.</summary>
    public string OperatorKey() => File.ReadAllText(Path.Combine(Config.DataDir, "operator.key")).Trim();

    /// <summary>The keys the seeder wrote, by path: "assessor", "leader", "alpha" (county), "alpha/u1" (unit).</summary>
    public IReadOnlyDictionary<string, string> Keys()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Config.DataDir, "demo-credentials.yaml"))));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var keys = new Dictionary<string, string>
        {
            ["assessor"] = root["assessor"].ToString(),
            ["leader"] = root["leader"].ToString(),
            ["tenant-admin"] = root["tenant-admin"].ToString(),
        };
        foreach (var (county, node) in (YamlMappingNode)root["counties"])
        {
            var map = (YamlMappingNode)node;
            keys[county.ToString()] = map["key"].ToString();
            foreach (var (unit, key) in (YamlMappingNode)map["units"])
            {
                keys[$"{county}/{unit}"] = key.ToString();
            }
        }

        return keys;
    }

    public static CallOptions As(string key, int seconds = 30) =>
        new(new Metadata { { "authorization", "Bearer " + key } }, DateTime.UtcNow.AddSeconds(seconds));

    /// <summary>The build configuration the tests were built with (the server and CLI are built alongside).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>A file of the repository, found by walking up to Assessment.sln.</summary>
    public static string RepositoryFile(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Assessment.sln")))
        {
            dir = dir.Parent;
        }

        var path = Path.Combine([dir?.FullName ?? throw new InvalidOperationException("Repository root not found."), .. parts]);
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first.", path);
    }

    public static string ServerDll() => RepositoryFile("src", "Assessment.Server", "bin", Configuration, "net10.0", "Assessment.Server.dll");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

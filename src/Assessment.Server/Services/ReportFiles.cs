using System.Diagnostics;
using System.Text.Json;
using Assessment.Documents;
using Assessment.Grains.Abstractions;
using Assessment.Server.Hosting;

namespace Assessment.Server.Services;

/// <summary>
/// Reads uploaded report files in a child process (<see cref="ReportReaderProcess"/>): a few at a time, each with a time
/// and memory limit, the child killed when it overruns. What a hostile file can do ends with the child.
/// </summary>
public sealed class ReportFiles(ILogger<ReportFiles> logger) : IDisposable
{
    /// <summary>Files read at the same time by this silo; more is RESOURCE_EXHAUSTED.</summary>
    public const int Concurrency = 2;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The child's heap limit: a 20 MB file's text and parse trees fit several times over.</summary>
    private const long HeapLimitBytes = 768L * 1024 * 1024;

    private readonly SemaphoreSlim _slots = new(Concurrency, Concurrency);

    public async Task<ReportText> ReadAsync(byte[] content, string fileName, CancellationToken ct)
    {
        if (!await _slots.WaitAsync(TimeSpan.FromSeconds(2), ct))
        {
            throw new ResourceExhaustedException("同时读取的报告文件过多，请稍后重试。");
        }

        try
        {
            return await RunChildAsync(content, fileName, ct);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<ReportText> RunChildAsync(byte[] content, string fileName, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Under `dotnet Assessment.Server.dll` the host needs the assembly; an apphost is the server itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ReportFiles).Assembly.Location);
        }

        Hosting.ChildEnvironment.Restrict(start);
        start.ArgumentList.Add(ReportReaderProcess.Argument);
        start.ArgumentList.Add(Path.GetFileName(fileName));
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimitBytes.ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        using var child = Process.Start(start) ?? throw new UnavailableException("无法启动报告读取进程。");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            var output = child.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = child.StandardError.ReadToEndAsync(timeout.Token);
            await child.StandardInput.BaseStream.WriteAsync(content, timeout.Token);
            child.StandardInput.Close();
            await child.WaitForExitAsync(timeout.Token);
            var json = await output;
            if (child.ExitCode != 0 || json.Length == 0)
            {
                logger.LogWarning("Report reader exited with {Code}: {Errors}", child.ExitCode, (await errors).Length > 500 ? (await errors)[..500] : await errors);
                throw new ValidationFailedException([new FieldError("content", "文件无法读取（已损坏，或不是受支持的报告格式）")]);
            }

            var result = JsonSerializer.Deserialize<ReportReaderProcess.Output>(json)!;
            if (!result.Ok && result.Detail.Length > 0)
            {
                logger.LogInformation("Report {File} refused: {Message} ({Detail})", fileName, result.Message, result.Detail.Length > 500 ? result.Detail[..500] : result.Detail);
            }

            return result.Ok
                ? new ReportText(result.Text, result.Format, result.PageStarts)
                : throw new ValidationFailedException([new FieldError("content", result.Message)]);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ValidationFailedException([new FieldError("content", $"文件读取超时（{Timeout.TotalSeconds:0} 秒）：文件可能已损坏")]);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    public void Dispose() => _slots.Dispose();
}

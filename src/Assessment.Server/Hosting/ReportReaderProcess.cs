using System.Text.Json;
using Assessment.Documents;

namespace Assessment.Server.Hosting;

/// <summary>
/// The server started with <c>--read-report NAME</c>: reads one report file from standard input, writes its text (or why
/// it cannot be read) as JSON to standard output and exits. The server runs files through this child so that a
/// hostile file — deep recursion, a parser bug, endless work — can only end or stall the child.
/// </summary>
public static class ReportReaderProcess
{
    public const string Argument = "--read-report";

    /// <summary>What the child answers: the text, or a Chinese message for the person and the technical detail for the log.</summary>
    public sealed record Output(bool Ok, string Text, string Format, int[] PageStarts, string Message, string Detail = "");

    public static int Run(string fileName)
    {
        using var input = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = input.Read(chunk)) > 0)
        {
            if (buffer.Length + read > DocumentLimits.Default.MaxBytes)
            {
                return Write(new Output(false, "", "", [], "文件过大（上限 20 MB）。"));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            var report = ReportReader.Read(buffer.ToArray(), fileName);
            return Write(new Output(true, report.Text, report.Format, [.. report.PageStarts], ""));
        }
        catch (DocumentException ex)
        {
            return Write(new Output(false, "", "", [], ex.Message, ex.InnerException?.Message ?? ""));
        }
    }

    private static int Write(Output output)
    {
        using var stdout = Console.OpenStandardOutput();
        JsonSerializer.Serialize(stdout, output);
        return 0;
    }
}

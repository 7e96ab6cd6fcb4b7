using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Assessment.Server.Hosting;

/// <summary>
/// The server's console lines: "HH:mm:ss warn: Category[event] message", one line each (as the simple console
/// formatter writes them), without the lines that say nothing true. Orleans' watchdog, on its first tick after a
/// start, measures "participant check thread has not completed" from a timestamp that is still zero, and so reports the
/// machine's uptime (hours) as a stall; a stall longer than this process has lived is that artefact, not a stall.
/// </summary>
public sealed class PlatformConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "platform";

    private const int WatchdogStallEvent = 100150; // Orleans' ErrorCode.SiloHeartbeatTimerStalled

    private static readonly DateTimeOffset Started = System.Diagnostics.Process.GetCurrentProcess().StartTime;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if ((message is null && logEntry.Exception is null) || IsSpurious(logEntry.EventId.Id, logEntry.State, DateTimeOffset.Now - Started))
        {
            return;
        }

        textWriter.Write(DateTime.Now.ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(OneLine(message ?? ""));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(' ');
            textWriter.Write(OneLine(exception.ToString()));
        }

        textWriter.WriteLine();
    }

    /// <summary>
    /// A watchdog stall reported as longer than the process has been running (<paramref name="lived"/>): the first
    /// tick's measurement from a zero timestamp.
    /// </summary>
    public static bool IsSpurious<TState>(int eventId, TState state, TimeSpan lived) =>
        eventId == WatchdogStallEvent
        && state is IReadOnlyList<KeyValuePair<string, object?>> values
        && values.Any(v => v.Key == "TimeSinceLastTick" && v.Value is TimeSpan stalled && stalled > lived);

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private static string OneLine(string text) => text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ');
}

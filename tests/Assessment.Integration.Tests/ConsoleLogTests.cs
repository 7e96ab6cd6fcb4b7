using Assessment.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Assessment.Integration.Tests;

/// <summary>
/// The server's console lines: one per entry, as the simple formatter wrote them, without Orleans' first-tick watchdog
/// "stall" that reports the machine's uptime (a warm start printed "not completed for 06:13:12").
/// </summary>
public sealed class ConsoleLogTests
{
    private static List<KeyValuePair<string, object?>> Stall(TimeSpan stalled) =>
        [new("TimeSinceLastTick", stalled), new("{OriginalFormat}", "Participant check thread has not completed for {TimeSinceLastTick}, potentially indicating lock contention or deadlock, CPU starvation, or another execution anomaly.")];

    private static string Written<TState>(LogLevel level, string category, int eventId, TState state, Func<TState, Exception?, string> format, Exception? exception = null)
    {
        using var writer = new StringWriter();
        new PlatformConsoleFormatter().Write(new LogEntry<TState>(level, category, new EventId(eventId), state, exception, format), null, writer);
        return writer.ToString();
    }

    [Theory]
    [InlineData(6 * 3600, 60, true)]      // hours of "stall" one minute after the start: the zero timestamp
    [InlineData(400, 300, true)]
    [InlineData(3, 300, false)]           // a real stall of a running silo is still said
    [InlineData(120, 3600, false)]
    public void The_first_tick_watchdog_stall_is_left_out_and_real_stalls_are_kept(int stalledSeconds, int livedSeconds, bool spurious)
    {
        Assert.Equal(spurious, PlatformConsoleFormatter.IsSpurious(100150, Stall(TimeSpan.FromSeconds(stalledSeconds)), TimeSpan.FromSeconds(livedSeconds)));
        Assert.False(PlatformConsoleFormatter.IsSpurious(100151, Stall(TimeSpan.FromSeconds(stalledSeconds)), TimeSpan.FromSeconds(livedSeconds)));

        // The formatter itself: this process has lived less than a day, so a day's "stall" is not written.
        var line = Written(LogLevel.Warning, "Orleans.Runtime.Watchdog", 100150, Stall(TimeSpan.FromDays(1)), (s, _) => "stalled");
        Assert.Equal("", line);
    }

    [Fact]
    public void A_line_is_time_level_category_event_and_message_on_one_line()
    {
        var line = Written(LogLevel.Warning, "Assessment.Test", 7, "first\nsecond", (s, _) => s, new InvalidOperationException("boom"));
        Assert.Matches(@"^\d\d:\d\d:\d\d warn: Assessment\.Test\[7\] first second System\.InvalidOperationException: boom\r?\n$", line);
        Assert.Matches(@"^\d\d:\d\d:\d\d fail: A\[0\] x\r?\n$", Written(LogLevel.Error, "A", 0, "x", (s, _) => s));
        Assert.Matches(@"^\d\d:\d\d:\d\d info: A\[0\] x\r?\n$", Written(LogLevel.Information, "A", 0, "x", (s, _) => s));
    }
}

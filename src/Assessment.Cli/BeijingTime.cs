using System.Globalization;
using Assessment.Domain.Workflow;
using Google.Protobuf.WellKnownTypes;

namespace Assessment.Cli;

/// <summary>Times as deadlines are announced: Beijing time, to the minute, read and printed the same way everywhere.</summary>
public static class BeijingTime
{
    /// <summary>A date (meaning the end of that day) or a date and time, in Beijing time.</summary>
    public static DateTimeOffset Parse(string text, string option)
    {
        var beijing = TimeSpan.FromHours(8);
        if (DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            return new DateTimeOffset(at, beijing);
        }

        return DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? new DateTimeOffset(day.AddDays(1).AddSeconds(-1), beijing)
            : throw new UsageException($"{option} 须为北京时间 yyyy-MM-dd 或 yyyy-MM-dd HH:mm，例如 2025-03-31。");
    }

    public static string Format(Timestamp? at) => at is null ? "—" : CountyWorkflow.Local(at.ToDateTimeOffset());
}

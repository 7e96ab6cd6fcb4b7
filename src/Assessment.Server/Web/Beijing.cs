using System.Globalization;

namespace Assessment.Server.Web;

/// <summary>Times as the workbench shows them: Beijing time (UTC+8, no daylight saving), to the minute.</summary>
public static class Beijing
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static string Time(DateTimeOffset at) => at.ToOffset(Offset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "—";

    public static string Date(DateTimeOffset at) => at.ToOffset(Offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A time as a person enters it (a datetime-local field, or "2025-03-31 18:00"), read as Beijing time.</summary>
    public static DateTimeOffset? Parse(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTime.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? new DateTimeOffset(local, Offset)
            : throw new Grains.Abstractions.ValidationFailedException([new Grains.Abstractions.FieldError(field, "须为北京时间，如 2025-03-31 18:00")]);
    }

    /// <summary>"还有 3 天 4 小时" / "已逾期 2 小时": how far a deadline is from now.</summary>
    public static string Countdown(DateTimeOffset deadline, DateTimeOffset now)
    {
        var left = deadline - now;
        var span = left.Duration();
        var text = span.TotalDays >= 1 ? $"{(int)span.TotalDays} 天 {span.Hours} 小时"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours} 小时 {span.Minutes} 分钟"
            : $"{Math.Max(1, (int)span.TotalMinutes)} 分钟";
        return left >= TimeSpan.Zero ? $"还有 {text}" : $"已逾期 {text}";
    }
}

namespace Assessment.Domain.Workflow;

/// <summary>
/// When a round reminds its units, and whom: at configured points around the submission deadline (negative: before
/// it, a "due soon" notice; zero or positive: "overdue"), the units of counties still collecting figures that have sent
/// nothing. A point is handled once; several points passed while nothing ran make one notice, for the latest.
/// </summary>
public static class DeadlineReminders
{
    /// <summary>The points not yet handled that have passed by <paramref name="now"/>.</summary>
    public static TimeSpan[] Due(IEnumerable<TimeSpan> offsets, IReadOnlyCollection<long> handled, DateTimeOffset deadline, DateTimeOffset now) =>
        offsets.Where(o => !handled.Contains(o.Ticks) && deadline + o <= now).ToArray();

    /// <summary>The notice's kind for a point.</summary>
    public static string Kind(TimeSpan offset) => offset < TimeSpan.Zero ? "due_soon" : "overdue";

    /// <summary>Whether a county's units are still expected to submit (collecting or returned, no running extension).</summary>
    public static bool StillExpected(CountyStatus status, DateTimeOffset? extension, DateTimeOffset now) =>
        status is CountyStatus.Collecting or CountyStatus.Returned && !(extension is { } until && until > now);
}

using Assessment.Domain.Workflow;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// Deadline reminders: the reminder records which units have not submitted at each point (rules in
/// <see cref="DeadlineReminders"/>) and hands the notice to <see cref="Notifications.NotificationDelivery"/> until it is
/// delivered.
/// </summary>
public sealed partial class RoundGrain
{
    public Task<RoundNotification[]> GetNotifications() => Task.FromResult(Enumerable.Reverse(S.Notifications).ToArray());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        if (S.Phase is RoundPhase.Draft or RoundPhase.Published)
        {
            await StopRemindersAsync();
            return;
        }

        var now = clock.GetUtcNow();
        var offsets = options.Value.ReminderOffsets;
        var due = DeadlineReminders.Due(offsets, S.RemindersDone, S.SubmissionDeadline, now);
        if (due.Length > 0)
        {
            // Several points may have passed while no silo ran the reminder: one notice for the latest of them.
            var offset = due.Max();
            var views = await CountyViewsAsync();
            var overdue = views
                .Where(v => DeadlineReminders.StillExpected(v.Status, v.Extension, now))
                .SelectMany(v => v.Progress.Units.Where(u => u.Version == 0).Select(u => $"{v.County}/{u.Unit}"))
                .ToArray();
            S.Notifications.Add(new RoundNotification(S.Notifications.LastOrDefault()?.Sequence + 1 ?? 1, now,
                DeadlineReminders.Kind(offset), offset, overdue.Length,
                overdue.Take(options.Value.MaxUnitsPerNotification).ToArray(), Delivered: false));
            if (S.Notifications.Count > MaxNotifications)
            {
                S.Notifications.RemoveRange(0, S.Notifications.Count - MaxNotifications);
            }

            S.RemindersDone.AddRange(due.Select(o => o.Ticks));
            await SaveAsync();
            logger.LogInformation("Round {Round}: reminder at deadline {Offset:+0.##;-0.##} d found {Count} units without a submission",
                this.GetPrimaryKeyString(), offset.TotalDays, overdue.Length);
        }

        await DeliverAsync();
        if (offsets.All(o => S.RemindersDone.Contains(o.Ticks)) && S.Notifications.All(n => n.Delivered))
        {
            await StopRemindersAsync();
        }
    }

    /// <summary>Posts the undelivered notifications off the grain's turn (see <see cref="Notifications.NotificationDelivery"/>).</summary>
    private Task DeliverAsync()
    {
        _delivery.Start(_tenant, _year, S.Notifications, this.AsReference<IRoundGrain>());
        return Task.CompletedTask;
    }

    public async Task MarkDelivered(int sequence)
    {
        var index = S.Notifications.FindIndex(n => n.Sequence == sequence);
        if (index < 0 || S.Notifications[index].Delivered)
        {
            return;
        }

        S.Notifications[index] = S.Notifications[index] with { Delivered = true };
        await SaveAsync();
        if (options.Value.ReminderOffsets.All(o => S.RemindersDone.Contains(o.Ticks)) && S.Notifications.All(n => n.Delivered))
        {
            await StopRemindersAsync();
        }
    }

    private async Task StopRemindersAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}

using Assessment.Grains.Abstractions;
using Assessment.Server.Events;
using Microsoft.AspNetCore.Mvc;

namespace Assessment.Server.Web.Pages;

/// <summary>
/// The tenant admin's event subscriptions (事件推送): subscribe an https address of a county system to some or all
/// event types (the signing secret is shown once, on that answer), remove one, and read the delivery log with each
/// delivery's attempts and last answer, replaying one. The same <see cref="EventSubscriptions"/> as the RPCs and CLI.
/// </summary>
public sealed class EventsModel(EventSubscriptions events) : WorkbenchPage
{
    public const int DeliveriesShown = 100;

    public IReadOnlyList<EventSubscription> Subscriptions { get; private set; } = [];

    public IReadOnlyList<EventDelivery> Deliveries { get; private set; } = [];

    /// <summary>The secret of a subscription just made: shown on this answer only.</summary>
    public (string Url, string Secret)? Created { get; private set; }

    public string? Refusal { get; private set; }

    public static IReadOnlyDictionary<string, string> KindNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["round.opened"] = "考核开启",
        ["round.closed"] = "截止填报",
        ["deadline.approaching"] = "截止提醒",
        ["deadline.passed"] = "逾期提醒",
        ["county.submitted"] = "县（区）上报",
        ["county.returned"] = "退回（含理由）",
        ["county.approved"] = "审核通过",
        ["results.published"] = "结果发布",
        ["bulletin.issued"] = "通报印发",
        ["bulletin.corrected"] = "更正通报印发",
    };

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostSubscribeAsync(string? url, string[]? kinds) => ActAsync(async () =>
    {
        var (subscription, secret) = await events.CreateAsync(Caller, null, url, kinds ?? [], HttpContext.RequestAborted);
        Created = (subscription.Url, secret);
    });

    public Task<IActionResult> OnPostRemoveAsync(string? id) => ActAsync(async () =>
    {
        await events.RemoveAsync(Caller, null, id);
        Notice = "已取消该订阅及其投递记录。";
    });

    public Task<IActionResult> OnPostReplayAsync(long delivery) => ActAsync(async () =>
    {
        var replayed = await events.ReplayAsync(Caller, null, delivery);
        Notice = $"已安排重新投递（事件 {replayed.EventId}）。";
    });

    public static string State(EventDelivery d) => d.State switch
    {
        "delivered" => "已送达",
        "failed" => "失败（已停止重试）",
        _ => d.Attempts == 0 ? "待投递" : "重试中",
    };

    private async Task<IActionResult> ActAsync(Func<Task> action)
    {
        Refusal = await TryActAsync(action);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Subscriptions = await events.ListAsync(Caller, null); // tenant admins only: anyone else is denied here
        Deliveries = await events.DeliveriesAsync(Caller, null, null, DeliveriesShown);
    }
}

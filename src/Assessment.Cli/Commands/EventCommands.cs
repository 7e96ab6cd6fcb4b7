using System.CommandLine;
using Assessment.Contracts.V1;
using Grpc.Core;

namespace Assessment.Cli.Commands;

/// <summary>
/// <c>assess admin events …</c>: subscriptions of a county system or a prefecture service to what happens in the
/// tenant's years, the delivery log and replays.
/// </summary>
public static class EventCommands
{
    public static Command Create(Option<string?> tenant, Func<ParseResult, Func<AdminService.AdminServiceClient, CallOptions, Task>, CancellationToken, Task<int>> run)
    {
        var url = new Option<string>("--url") { Description = "接收地址（https）", Required = true };
        var kinds = new Option<string[]>("--kind") { Description = "事件类型（可多次给出；省略为全部）：round.opened、round.closed、deadline.approaching、deadline.passed、county.submitted、county.returned、county.approved、results.published、bulletin.issued、bulletin.corrected", AllowMultipleArgumentsPerToken = true };
        var subscribe = new Command("subscribe", "订阅事件：打印签名密钥（只显示这一次）") { tenant, url, kinds };
        subscribe.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var created = await client.SubscribeAsync(new SubscribeRequest { Tenant = parse.GetValue(tenant) ?? "", Url = parse.GetValue(url)!, Kinds = { parse.GetValue(kinds) ?? [] } }, options);
            Console.WriteLine($"订阅 {created.Subscription.Id}：{created.Subscription.Url}（{Kinds(created.Subscription)}）");
            Console.WriteLine($"签名密钥（只显示这一次，请保存到接收系统）：{created.Secret}");
        }, ct));

        var list = new Command("list", "列出事件订阅") { tenant };
        list.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var table = new TextTable(["编号", "接收地址", "事件类型", "创建"]);
            foreach (var s in (await client.ListSubscriptionsAsync(new ListSubscriptionsRequest { Tenant = parse.GetValue(tenant) ?? "" }, options)).Subscriptions)
            {
                table.Add([s.Id, s.Url, Kinds(s), BeijingTime.Format(s.CreatedAt)]);
            }

            Console.Write(table);
        }, ct));

        var id = new Argument<string>("id") { Description = "订阅编号" };
        var remove = new Command("remove", "取消订阅（连同其投递记录）") { tenant, id };
        remove.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            await client.UnsubscribeAsync(new SubscriptionRef { Tenant = parse.GetValue(tenant) ?? "", Id = parse.GetValue(id)! }, options);
            Console.WriteLine("已取消订阅。");
        }, ct));

        var subscription = new Option<string?>("--subscription") { Description = "只看这个订阅的投递" };
        var deliveries = new Command("deliveries", "投递记录（最新在前）") { tenant, subscription };
        deliveries.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var table = new TextTable(["编号", "事件", "类型", "状态", "尝试", "最近应答", "时间"]);
            var page = await client.ListDeliveriesAsync(new ListDeliveriesRequest { Tenant = parse.GetValue(tenant) ?? "", Subscription = parse.GetValue(subscription) ?? "" }, options);
            foreach (var d in page.Deliveries)
            {
                table.Add([d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), d.EventId, d.Kind, State(d.State),
                    d.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), d.LastError.Length > 0 ? d.LastError : d.LastStatus > 0 ? $"HTTP {d.LastStatus}" : "", BeijingTime.Format(d.CreatedAt)]);
            }

            Console.Write(table);
        }, ct));

        var delivery = new Argument<long>("delivery") { Description = "投递编号（deliveries 中的“编号”）" };
        var replay = new Command("replay", "重新投递（同一事件编号，重新计算重试）") { tenant, delivery };
        replay.SetAction((parse, ct) => run(parse, async (client, options) =>
        {
            var d = await client.ReplayDeliveryAsync(new DeliveryRef { Tenant = parse.GetValue(tenant) ?? "", Id = parse.GetValue(delivery) }, options);
            Console.WriteLine($"已安排重新投递 {d.Id}（{d.Kind}，事件 {d.EventId}）。");
        }, ct));

        return new Command("events", "事件订阅（上报、退回、审核通过、发布、通报等推送到对接系统）") { subscribe, list, remove, deliveries, replay };
    }

    private static string Kinds(Subscription s) => s.Kinds.Count == 0 ? "全部事件" : string.Join("、", s.Kinds);

    private static string State(string state) => state switch
    {
        "delivered" => "已送达",
        "failed" => "失败（已停止重试）",
        _ => "待投递",
    };
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Event subscriptions against the live server and a receiver started here: 上报, 退回 (with its reason) and 审核通过
/// arrive as JSON signed as Standard Webhooks specifies (checked here with HMAC-SHA256 written out, not the platform's
/// code); a delivery answered 500 is retried with the same webhook-id; the log shows it; a replay sends it again; a
/// second tenant's receiver gets nothing of the first's; refused addresses and kinds change nothing.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EventTests(PlatformFixture platform)
{
    private const int Year = 2025;

    private static bool SignatureHolds(string secret, (string Id, string Timestamp, string Signature, string Body, int Answer) r)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        using var hmac = new HMACSHA256(key);
        var expected = "v1," + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.{r.Body}")));
        return r.Signature.Split(' ').Contains(expected, StringComparer.Ordinal)
            && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(r.Timestamp, System.Globalization.CultureInfo.InvariantCulture)) < 300;
    }

    private async Task<(TestTenant Tenant, CallOptions Admin)> TenantAsync()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var key = await new AdminService.AdminServiceClient(platform.Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()));
        return (tenant, As(key.Key));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Review_events_arrive_signed_a_failed_delivery_is_retried_and_replayed_with_its_id_and_no_other_tenant_hears_them()
    {
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var (tenant, tenantAdmin) = await TenantAsync();
        var (other, otherAdmin) = await TenantAsync();
        using var receiver = new WebhookReceiver(failFirst: 1);
        using var bystander = new WebhookReceiver(failFirst: 0);
        var subscribed = await admin.SubscribeAsync(new SubscribeRequest
        {
            Url = $"http://127.0.0.1:{receiver.Port}/hooks", Kinds = { "county.submitted", "county.returned", "county.approved" }, RequestId = Guid.NewGuid().ToString(),
        }, tenantAdmin);
        Assert.StartsWith("whsec_", subscribed.Secret, StringComparison.Ordinal);
        await admin.SubscribeAsync(new SubscribeRequest { Url = $"http://127.0.0.1:{bystander.Port}/hooks", RequestId = Guid.NewGuid().ToString() }, otherAdmin);

        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        await rounds.ReturnCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1", Reason = "法律援助案件数缺少佐证" }, As(tenant.Assessor));
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        await rounds.ApproveCountyAsync(new CountyTransitionRequest { Year = Year, County = "c1" }, As(tenant.Assessor));

        // Four events; the first was answered 500 and came again (after the 10-second back-off) with the same id.
        await WaitForAsync(() => receiver.Received.Where(r => r.Answer == 200).Select(r => r.Id).Distinct().Count() == 4, "four delivered events");
        var received = receiver.Received.ToList();
        Assert.All(received, r => Assert.True(SignatureHolds(subscribed.Secret, r), $"signature of {r.Id} does not verify"));
        var failed = received.Single(r => r.Answer == 500);
        Assert.Contains(received, r => r.Answer == 200 && r.Id == failed.Id);
        var events = received.Where(r => r.Answer == 200).DistinctBy(r => r.Id).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["county.submitted", "county.returned", "county.submitted", "county.approved"],
            events.OrderBy(e => e.GetProperty("data").GetProperty("audit_index").GetInt32()).Select(e => e.GetProperty("type").GetString()));
        var returned = events.Single(e => e.GetProperty("type").GetString() == "county.returned").GetProperty("data");
        Assert.Equal("法律援助案件数缺少佐证", returned.GetProperty("reason").GetString());
        Assert.Equal(tenant.Id, returned.GetProperty("tenant").GetString());
        Assert.Equal("c1", returned.GetProperty("county").GetString());
        Assert.Equal(Year, returned.GetProperty("year").GetInt32());

        // The log: four delivered, the retried one after two attempts; a replay sends it again with the same id.
        var log = (await admin.ListDeliveriesAsync(new ListDeliveriesRequest(), tenantAdmin)).Deliveries;
        Assert.Equal(4, log.Count);
        Assert.All(log, d => Assert.Equal("delivered", d.State));
        var retried = log.Single(d => d.EventId == failed.Id);
        Assert.Equal(2, retried.Attempts);
        await admin.ReplayDeliveryAsync(new DeliveryRef { Id = retried.Id, RequestId = Guid.NewGuid().ToString() }, tenantAdmin);
        await WaitForAsync(() => receiver.Received.Count(r => r.Id == failed.Id && r.Answer == 200) == 2, "the replay");

        // The other tenant's receiver heard none of it; the other tenant cannot see or replay this tenant's log.
        Assert.Empty(bystander.Received);
        Assert.Empty((await admin.ListDeliveriesAsync(new ListDeliveriesRequest(), otherAdmin)).Deliveries);
        await Refusals.ExpectAsync(StatusCode.NotFound, null, () => admin.ReplayDeliveryAsync(new DeliveryRef { Id = retried.Id, RequestId = Guid.NewGuid().ToString() }, otherAdmin).ResponseAsync);
        await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => admin.ListDeliveriesAsync(new ListDeliveriesRequest { Tenant = tenant.Id }, otherAdmin).ResponseAsync);
    }

    [Fact]
    public async Task A_deadline_reminder_becomes_one_event_however_often_the_round_delivers_it()
    {
        // The round's reminder as the server's notification sink enqueues it (the grain tests cover when rounds remind).
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var (tenant, tenantAdmin) = await TenantAsync();
        using var receiver = new WebhookReceiver(failFirst: 0);
        var subscribed = await admin.SubscribeAsync(new SubscribeRequest { Url = $"http://127.0.0.1:{receiver.Port}/r", Kinds = { "deadline.approaching" }, RequestId = Guid.NewGuid().ToString() }, tenantAdmin);
        var reminder = new Assessment.Grains.Abstractions.RoundNotification(7, DateTimeOffset.UtcNow, "due_soon", TimeSpan.FromDays(-1), 2, ["c1/u2", "c1/u3"], false);
        await using var db = Npgsql.NpgsqlDataSource.Create(platform.Server.Config.ConnectionString);
        await Server.Events.ReminderDeliveries.EnqueueAsync(db, tenant.Id, Year, reminder, CancellationToken.None);
        await Server.Events.ReminderDeliveries.EnqueueAsync(db, tenant.Id, Year, reminder, CancellationToken.None); // delivered again
        await WaitForAsync(() => !receiver.Received.IsEmpty, "the reminder event");
        await Task.Delay(2500);
        var received = Assert.Single(receiver.Received);
        Assert.True(SignatureHolds(subscribed.Secret, received));
        var data = JsonDocument.Parse(received.Body).RootElement.GetProperty("data");
        Assert.Equal("deadline.approaching", JsonDocument.Parse(received.Body).RootElement.GetProperty("type").GetString());
        Assert.Equal(["c1/u2", "c1/u3"], data.GetProperty("missing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(-24, data.GetProperty("offset_hours").GetDouble());
    }

    [Fact]
    public async Task Refused_addresses_and_kinds_subscribe_nothing()
    {
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var (_, tenantAdmin) = await TenantAsync();
        foreach (var url in new[] { "http://10.0.0.8/hook", "https://169.254.169.254/latest", "http://example.com/plain", "ftp://example.com/x", "https://user:pw@example.com/", "", "not a url", "https://metadata.google.internal/", "https://10.1.2.3/hook", "https://intranet/hook" })
        {
            await Refusals.ExpectAsync(StatusCode.InvalidArgument, "url", () => admin.SubscribeAsync(new SubscribeRequest { Url = url, RequestId = Guid.NewGuid().ToString() }, tenantAdmin).ResponseAsync);
        }

        await Refusals.ExpectAsync(StatusCode.InvalidArgument, "kinds", () => admin.SubscribeAsync(new SubscribeRequest
        {
            Url = "https://example.com/hook", Kinds = { "county.submitted", "county.deleted" }, RequestId = Guid.NewGuid().ToString(),
        }, tenantAdmin).ResponseAsync);
        Assert.Empty((await admin.ListSubscriptionsAsync(new ListSubscriptionsRequest(), tenantAdmin)).Subscriptions);
    }
}

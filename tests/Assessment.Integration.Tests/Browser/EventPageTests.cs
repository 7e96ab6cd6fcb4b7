using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Browser;

/// <summary>
/// 事件推送 in a real browser: the tenant admin subscribes a county system's address to 上报 (the secret is shown once),
/// a 上报 arrives there, the page's log shows it delivered, and 重新投递 sends it again with the same id.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EventPageTests(PlatformFixture platform, BrowserSession browser) : IClassFixture<BrowserSession>
{
    private const int Year = 2025;

    [Fact]
    public async Task The_tenant_admin_subscribes_sees_the_secret_once_reads_the_log_and_replays_a_delivery()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var key = await new AdminService.AdminServiceClient(platform.Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "tenant_admin", Name = "测试管理员" }, As(platform.Server.OperatorKey()));
        using var receiver = new WebhookReceiver(failFirst: 0);
        var page = await browser.SignInAsync(platform.Server, key.Key);
        await page.GotoAsync("/events");
        await page.FillAsync("#subscribe-url", $"http://127.0.0.1:{receiver.Port}/hooks");
        await page.CheckAsync("input[name=kinds][value='county.submitted']");
        await page.ClickAsync("#subscribe-form button[type=submit]");
        var secret = (await page.InnerTextAsync("#subscription-secret")).Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Contains("县（区）上报", await page.InnerTextAsync("tr[data-subscription]"), StringComparison.Ordinal);

        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).SubmitForReviewAsync(new CountyTransitionRequest { Year = Year }, As(tenant.County));
        var until = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Received.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < until, "no delivery after 30 s");
            await Task.Delay(200);
        }

        await page.GotoAsync("/events");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal); // shown once only
        Assert.Contains("已送达", await page.InnerTextAsync("tr[data-delivery]"), StringComparison.Ordinal);
        await page.ClickAsync("tr[data-delivery] form button");
        Assert.Contains("已安排重新投递", await page.InnerTextAsync("p.notice"), StringComparison.Ordinal);
        until = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Received.Count < 2)
        {
            Assert.True(DateTime.UtcNow < until, "no replay after 30 s");
            await Task.Delay(200);
        }

        var ids = receiver.Received.Select(r => r.Id).ToList();
        Assert.Equal(ids[0], ids[1]);
    }
}

using System.Text.Json;
using Assessment.Grains.Abstractions;

namespace Assessment.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CompletenessAndReminderTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Completeness_and_timeliness_match_the_hand_computed_fixture()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "completeness.json")));
        var f = doc.RootElement;
        var tenant = $"k{Guid.NewGuid():N}"[..16];
        var units = f.GetProperty("units").EnumerateArray().Select(u => u.GetString()!).ToArray();
        var expected = f.GetProperty("expected");
        var counties = expected.GetProperty("counties").EnumerateObject().Select(c => c.Name).ToArray();
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, counties, f.GetProperty("scheme").GetString(), units,
            DateTimeOffset.UtcNow.AddSeconds(2));
        var submissions = f.GetProperty("submissions").EnumerateArray().ToArray();

        async Task SubmitAsync(JsonElement s) =>
            await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, s.GetProperty("county").GetString()!, s.GetProperty("unit").GetString()!, 2025))
                .Submit(new UnitSubmission(Guid.NewGuid(), s.GetProperty("values").EnumerateObject().Select(v => new ValueEntry(v.Name, v.Value.GetDouble())).ToArray()));

        foreach (var s in submissions.Where(s => !s.GetProperty("late").GetBoolean()))
        {
            await SubmitAsync(s);
        }

        await Task.Delay(2500);
        foreach (var county in f.GetProperty("extended").EnumerateArray())
        {
            await fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county.GetString()!, 2025))
                .Extend(DateTimeOffset.UtcNow.AddDays(1), new WorkflowCommand(TestRounds.Actor, "补报"));
        }

        foreach (var s in submissions.Where(s => s.GetProperty("late").GetBoolean()))
        {
            await SubmitAsync(s);
        }

        foreach (var county in expected.GetProperty("counties").EnumerateObject())
        {
            var progress = (await fixture.Grains.GetGrain<ICountyGrain>(GrainKeys.County(tenant, county.Name, 2025)).GetWorkflow()).Progress;
            var e = county.Value;
            Assert.Equal(
                (e.GetProperty("expected").GetInt32(), e.GetProperty("submitted").GetInt32(), e.GetProperty("on_time").GetInt32(), e.GetProperty("late").GetInt32(), e.GetProperty("missing").GetInt32()),
                (progress.UnitsExpected, progress.UnitsSubmitted, progress.OnTime, progress.Late, progress.MissingValues));
            foreach (var unit in e.GetProperty("units").EnumerateObject())
            {
                var row = progress.Units.Single(u => u.Unit == unit.Name);
                var want = unit.Value.EnumerateArray().ToArray();
                Assert.Equal((want[0].GetInt32(), want[1].GetBoolean(), want[2].GetInt32()), (row.Version, row.Late, row.MissingValues));
            }
        }

        var total = await round.GetProgress();
        var r = expected.GetProperty("round");
        Assert.Equal(
            (r.GetProperty("expected").GetInt32(), r.GetProperty("submitted").GetInt32(), r.GetProperty("on_time").GetInt32(), r.GetProperty("late").GetInt32(), r.GetProperty("missing").GetInt32()),
            (total.UnitsExpected, total.UnitsSubmitted, total.OnTime, total.Late, total.MissingValues));
    }

    [Fact]
    public async Task Reminders_record_the_units_without_a_submission_before_and_after_the_deadline()
    {
        // The test cluster ticks reminders every second and notes 2 s before the deadline and at it.
        var tenant = $"m{Guid.NewGuid():N}"[..16];
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1", "c2"], units: ["a", "b"], deadline: DateTimeOffset.UtcNow.AddSeconds(4));
        await fixture.Grains.GetGrain<IUnitGrain>(GrainKeys.Unit(tenant, "c1", "a", 2025))
            .Submit(new UnitSubmission(Guid.NewGuid(), [new ValueEntry("legalaid.cases", 1)]));
        Assert.Empty(await round.GetNotifications());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        RoundNotification[] notes;
        while ((notes = await round.GetNotifications()).Length < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal(["overdue", "due_soon"], notes.Select(n => n.Kind));
        var overdue = notes[0];
        Assert.Equal(["c1/b", "c2/a", "c2/b"], overdue.Overdue.Order(StringComparer.Ordinal));
        Assert.Equal(3, overdue.OverdueCount);
        Assert.Equal(TimeSpan.Zero, overdue.Offset);
        Assert.True(overdue.At >= (await round.GetInfo())!.SubmissionDeadline);
        Assert.True(overdue.Delivered); // the tenant has no webhook: nothing to deliver to
        Assert.Equal(TimeSpan.FromSeconds(-2), notes[1].Offset);
    }

    [Fact]
    public async Task A_reminder_is_posted_to_the_tenants_webhook()
    {
        using var listener = new System.Net.HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream);
            received.TrySetResult(await reader.ReadToEndAsync());
            context.Response.StatusCode = 204;
            context.Response.Close();
        });

        var tenant = $"h{Guid.NewGuid():N}"[..16];
        await fixture.Grains.GetGrain<ITenantGrain>(GrainKeys.Tenant(tenant)).Create(new TenantProfile(tenant, "测试市", "测试市法治办", "测", "各县",
            [new CountyInfo("c1", "甲县", [new UnitInfo("a", "甲单位")])], WebhookUrl: $"http://127.0.0.1:{port}/hook/"));
        var round = await TestRounds.OpenAsync(fixture.Grains, tenant, 2025, ["c1"], units: ["a"], deadline: DateTimeOffset.UtcNow.AddSeconds(1));

        var body = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var json = JsonDocument.Parse(body);
        Assert.Equal(tenant, json.RootElement.GetProperty("tenant").GetString());
        Assert.Equal(["c1/a"], json.RootElement.GetProperty("overdue").EnumerateArray().Select(e => e.GetString()));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await round.GetNotifications()).Any(n => n.Delivered) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains(await round.GetNotifications(), n => n.Delivered);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }
}

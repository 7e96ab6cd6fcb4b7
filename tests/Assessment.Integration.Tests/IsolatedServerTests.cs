using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Domain.Workflow;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>Servers of their own: the default authentication budget, a shared data folder, two clusters on one database.</summary>
[Collection(PlatformCollection.Name)]
public sealed partial class IsolatedServerTests(PlatformFixture platform)
{
    [GeneratedRegex(@"^assessment_auth_lookups_total\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex LookupsMetric();

    private static async Task<long> LookupsAsync(HttpClient web)
    {
        var match = LookupsMetric().Match(await web.GetStringAsync("/metrics"));
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static string RandomKey() => "ak_" + string.Concat(Enumerable.Range(0, 52).Select(_ => "abcdefghijklmnopqrstuvwxyz234567"[Random.Shared.Next(32)]));

    [Fact]
    public async Task A_flood_of_random_keys_costs_no_lookup_per_attempt_and_known_keys_keep_working()
    {
        // The default budget: 20 failures in a burst per address, 2 a second after that.
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile,
            Extra: ["--Authentication:FailuresPerPeerBurst=20", "--Authentication:FailuresPerPeerPerSecond=2"]));
        var keys = server.Keys();
        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}") };
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        await submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(keys["alpha/u1"])); // known from here on

        var before = await LookupsAsync(web);
        var statuses = new List<StatusCode>();
        foreach (var key in Enumerable.Range(0, 300).Select(_ => RandomKey()).Concat(Enumerable.Repeat(RandomKey(), 50)))
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(key)).ResponseAsync);
            statuses.Add(ex.StatusCode);
        }

        await Task.Delay(1500); // metrics are collected, not pushed
        var lookups = await LookupsAsync(web) - before;
        Assert.True(lookups <= 30, $"{lookups} credential lookups for 350 failed attempts");
        Assert.All(statuses, s => Assert.True(s is StatusCode.Unauthenticated or StatusCode.ResourceExhausted, s.ToString()));
        Assert.Contains(StatusCode.ResourceExhausted, statuses);

        // A key that authenticated before still works from the throttled address; the server logged no line per attempt.
        await submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(keys["alpha/u1"]));
        Assert.True(server.Output.Split('\n').Count(l => l.Contains("failed authentication", StringComparison.Ordinal)) <= 3, server.Output);

        // The web sign-in shares the budget: a guessed key is turned away before any lookup.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = web.BaseAddress };
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            answers.Add((await WebSignIn.PostLoginAsync(browser, RandomKey())).StatusCode);
        }

        Assert.Contains((HttpStatusCode)429, answers);
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.Unauthorized or (HttpStatusCode)429, a.ToString()));
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_folder_refuses_to_start_and_leaves_the_first_running()
    {
        // Both with the embedded PostgreSQL the server provisions in its data folder, as `make run` does.
        var dataDir = PostgresFixture.NewDataDir();
        await using var first = await StartAsync(new Settings("", dataDir, PlatformFixture.SeedFile, Throwaway: true));
        var second = await StartAsync(new Settings("", dataDir, PlatformFixture.SeedFile, Throwaway: true), expectExit: true);
        Assert.Equal(2, second.ExitCode);
        Assert.Contains("already running", second.Output, StringComparison.Ordinal);
        Assert.Contains($"PID {first.ProcessId}", second.Output, StringComparison.Ordinal);

        // The first one's database was not touched: it still answers from PostgreSQL.
        var mine = await new SubmissionService.SubmissionServiceClient(first.Channel)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(first.Keys()["alpha/u1"]));
        Assert.Equal(1, mine.Version);
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_session_and_a_form_from_one_server_are_honoured_by_another_on_the_same_database()
    {
        // Two replicas behind one address with no affinity: sign in on A, load a form on A, post it on B, then restart A
        // (a roll-out) and carry on. The key ring is the database's, not a folder of either server.
        var database = await platform.Postgres.CreateDatabaseAsync();
        await using var a = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), PlatformFixture.SeedFile));
        var keys = a.Keys();
        await using var b = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null));
        var cookies = new System.Net.CookieContainer();
        HttpClient Client(ServerProcess server) => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}"),
        };

        using var onA = Client(a);
        using var onB = Client(b);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(onA, keys["assessor"])).StatusCode);
        // The cookies are per host and port: carry A's to B as a browser behind one address would.
        foreach (System.Net.Cookie cookie in cookies.GetCookies(onA.BaseAddress!))
        {
            cookies.Add(onB.BaseAddress!, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        using (var page = await onB.GetAsync("/2024"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        }

        var html = await onA.GetStringAsync("/2024/scheme");
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        foreach (System.Net.Cookie cookie in cookies.GetCookies(onA.BaseAddress!))
        {
            cookies.Add(onB.BaseAddress!, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        // A's antiforgery token passes B's check: B answers the page's own refusal (no file chosen), not 400.
        using var posted = await onB.PostAsync("/2024/scheme?handler=Try", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token }));
        Assert.NotEqual(System.Net.HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.DoesNotContain("请求无效", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A roll-out: A goes, a new replica C with an empty folder of its own comes; the session carries on.
        await a.StopAsync();
        await using var c = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null));
        using var again = Client(c);
        foreach (System.Net.Cookie cookie in cookies.GetCookies(onA.BaseAddress!))
        {
            cookies.Add(again.BaseAddress!, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        using (var page = await again.GetAsync("/2024"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        }
    }

    [Fact]
    public async Task Metrics_answer_on_their_own_port_only_whatever_the_host_header_says()
    {
        var metricsPort = FreePort();
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), null,
            Extra: [$"--MetricsPort={metricsPort}"]));
        using var http = new HttpClient();
        using var onMetrics = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, onMetrics.StatusCode);
        using var pageOnMetrics = await http.GetAsync($"http://127.0.0.1:{metricsPort}/login");
        Assert.Equal(HttpStatusCode.NotFound, pageOnMetrics.StatusCode); // the metrics port serves nothing else

        // On the web port, /metrics is not there, even for a request that names the metrics port in its Host header.
        foreach (var host in new[] { null, $"127.0.0.1:{metricsPort}", $"assess.example:{metricsPort}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.Config.WebPort}/metrics");
            if (host is not null)
            {
                request.Headers.Host = host;
            }

            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"Host {host}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Replicas_starting_together_on_an_empty_database_issue_one_operator_key()
    {
        var database = await platform.Postgres.CreateDatabaseAsync();
        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null))));
        try
        {
            await using var db = Npgsql.NpgsqlDataSource.Create(database);
            await using var count = db.CreateCommand("SELECT count(*) FROM credential_directory WHERE role = 'Operator'");
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
            Assert.Single(servers, s => File.Exists(Path.Combine(s.Config.DataDir, "operator.key")));
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_operators_first_key_from_a_secret_is_registered_once_and_no_replica_writes_a_key_to_its_disk()
    {
        var database = await platform.Postgres.CreateDatabaseAsync();
        var secret = PostgresFixture.ScratchPath($"operator-{Guid.NewGuid():N}.key");
        var key = "ak_" + string.Concat(Enumerable.Range(0, 52).Select(i => "abcdefghijklmnopqrstuvwxyz234567"[Random.Shared.Next(32)]));
        await File.WriteAllTextAsync(secret, key + "\n");
        var servers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null, Extra: [$"--OperatorKeyFile={secret}"]))));
        try
        {
            Assert.All(servers, s => Assert.False(File.Exists(Path.Combine(s.Config.DataDir, "operator.key"))));
            await using var db = Npgsql.NpgsqlDataSource.Create(database);
            await using var count = db.CreateCommand("SELECT count(*) FROM credential_directory WHERE role = 'Operator'");
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
            foreach (var server in servers)
            {
                var me = await new AccountService.AccountServiceClient(server.Channel).WhoAmIAsync(new WhoAmIRequest(), As(key));
                Assert.Equal("operator", me.Role);
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_stale_duplicate_activation_never_overwrites_committed_audit_entries()
    {
        // Two single-silo clusters on one database: each activates the same county, as a duplicate activation would.
        var database = await platform.Postgres.CreateDatabaseAsync();
        await using var a = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), PlatformFixture.SeedFile));
        var keys = a.Keys();
        await using var b = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null));

        async Task SubmitAsync(ServerProcess server, string unit, double cases) =>
            await new SubmissionService.SubmissionServiceClient(server.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                SubmissionId = Guid.NewGuid().ToString(),
                Year = 2024,
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
            }, As(keys[unit]));

        await SubmitAsync(a, "alpha/u3", 11);   // county alpha active in A
        await SubmitAsync(b, "alpha/u4", 12);   // ... and in B, which reads A's state and commits the next entry
        try
        {
            await SubmitAsync(a, "alpha/u5", 13); // A's county is stale: its entry lands on B's index, its state write fails
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
        }

        // B's committed entries are intact: the chain verifies against the head B stored.
        var verify = await AssessCli.RunAsync(b, keys["assessor"], "audit", "verify", "--year", "2024");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        var audit = await new AssessmentService.AssessmentServiceClient(b.Channel)
            .ListAuditAsync(new ListAuditRequest { Year = 2024, County = "alpha", PageSize = 1000 }, As(keys["assessor"]));
        Assert.Contains(audit.Entries, e => e.Body.Contains("u4@", StringComparison.Ordinal));
        var records = audit.Entries.Select(e => new Assessment.Domain.Workflow.AuditRecord(e.Index, e.PrevHash, e.Body, e.Hash)).ToArray();
        Assert.True(AuditChain.Verify(records, new Assessment.Domain.Workflow.AuditHead(audit.Head.Count, audit.Head.Hash)).Intact);
    }
}

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Behind_a_known_proxy_each_forwarded_client_has_its_own_failure_budget_and_no_one_else_is_believed(bool proxyKnown)
    {
        // A guesser and a colleague behind one ingress: with the ingress's network configured, the guesser's failures
        // throttle only the guesser; without it, the forwarded address is not believed and the one connection address
        // is throttled for both.
        string[] extra = ["--Authentication:FailuresPerPeerBurst=5", "--Authentication:FailuresPerPeerPerSecond=0.01"];
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile,
            Extra: proxyKnown ? [.. extra, "--Proxy:KnownNetworks:0=127.0.0.1/32"] : extra));
        var keys = server.Keys();
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        CallOptions From(string client, string key) => new(new Metadata { { "authorization", "Bearer " + key }, { "x-forwarded-for", client } }, DateTime.UtcNow.AddSeconds(30));

        for (var i = 0; i < 8; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() => submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, From("203.0.113.7", RandomKey())).ResponseAsync);
        }

        // A valid key never used before, from the guesser's address: turned away without a lookup either way.
        var guesser = await Assert.ThrowsAsync<RpcException>(() => submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, From("203.0.113.7", keys["alpha/u1"])).ResponseAsync);
        Assert.True(guesser.StatusCode is StatusCode.Unauthenticated or StatusCode.ResourceExhausted, guesser.StatusCode.ToString());

        // Another valid key never used before, from a colleague's address behind the same ingress.
        var colleague = submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, From("198.51.100.20", keys["alpha/u2"])).ResponseAsync;
        if (proxyKnown)
        {
            Assert.Equal(2024, (await colleague).Year);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => colleague);
            Assert.True(refused.StatusCode is StatusCode.Unauthenticated or StatusCode.ResourceExhausted, refused.StatusCode.ToString());
        }
    }

    [Fact]
    public async Task Every_form_of_an_internal_or_malformed_webhook_address_is_refused_over_the_api_naming_the_url_and_changes_nothing()
    {
        // The address rules of the domain tests, each form sent through SetWebhook to a server with the shipped rules
        // (no loopback allowance): INVALID_ARGUMENT with the field "url", and the tenant keeps having no webhook.
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile,
            Extra: ["--Rounds:AllowLoopbackWebhooks=false"]));
        var admin = new AdminService.AdminServiceClient(server.Channel);
        var key = server.Keys()["tenant-admin"];
        var addresses = Domain.Tests.WebhookForms.InternalTargets().Concat(Domain.Tests.WebhookForms.Malformed())
            .Where(url => url.Trim().Length > 0).ToList(); // an empty address removes the webhook
        Assert.True(addresses.Count > 150, $"{addresses.Count} addresses");
        foreach (var url in addresses)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => admin.SetWebhookAsync(new SetWebhookRequest { Url = url, RequestId = Guid.NewGuid().ToString() }, As(key)).ResponseAsync);
            Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{url}: {refused.StatusCode} {refused.Status.Detail}");
            var violations = refused.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations;
            Assert.True(violations is [{ Field: "url" }], $"{url}: {string.Join(", ", violations?.Select(v => v.Field) ?? [])}");
        }

        Assert.False((await admin.GetTenantAsync(new GetTenantRequest(), As(key))).HasWebhook);
    }

    [Fact]
    public async Task A_first_and_a_warm_start_print_one_block_of_addresses_and_ready_with_no_warning_and_no_framework_lines()
    {
        // As `make run` starts: the embedded PostgreSQL, the demo seeded, the logging of appsettings.json.
        var dataDir = PostgresFixture.NewDataDir();
        var settings = new Settings("", dataDir, PlatformFixture.SeedFile, Throwaway: true, Extra: ["--Logging:LogLevel:Default=Information"]);
        foreach (var start in new[] { "first", "warm" })
        {
            string output;
            await using (var server = await StartAsync(settings))
            {
                await Task.Delay(1000); // what the first second after "Ready." says too
                output = server.Output;
            }

            var lines = output.Split('\n');
            Assert.True(!lines.Any(l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal)),
                $"{start} start:\n{output}");
            Assert.DoesNotContain("Now listening on", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Content root path", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Application started", output, StringComparison.Ordinal);
            Assert.Single(lines, l => l.Trim() == "Ready.");
            Assert.Single(lines, l => l.Contains($"127.0.0.1:{settings.GrpcPort}", StringComparison.Ordinal));
        }
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_session_and_a_form_from_one_server_are_honoured_by_another_on_the_same_database(bool encrypted)
    {
        // Two replicas behind one address with no affinity: sign in on A, load a form on A, post it on B, then restart A
        // (a roll-out) and carry on. The key ring is the database's, not a folder of either server; with the
        // WebKeys certificate (k8s: a Secret every replica mounts) its keys are encrypted at rest.
        var database = await platform.Postgres.CreateDatabaseAsync();
        string[] extra = encrypted ? WebKeysCertificate() : [];
        await using var a = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), PlatformFixture.SeedFile, Extra: extra));
        var keys = a.Keys();
        await using var b = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null, Extra: extra));
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
        await using var c = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null, Extra: extra));
        using var again = Client(c);
        foreach (System.Net.Cookie cookie in cookies.GetCookies(onA.BaseAddress!))
        {
            cookies.Add(again.BaseAddress!, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        using (var page = await again.GetAsync("/2024"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        }

        // What the table holds: with the certificate, no key's secret in the clear.
        var rows = await WebKeyRowsAsync(database);
        Assert.NotEmpty(rows);
        Assert.All(rows, xml => Assert.Equal(encrypted, xml.Contains("<encryptedSecret", StringComparison.Ordinal)));
        Assert.All(rows, xml => Assert.Equal(!encrypted, xml.Contains("<value>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_key_ring_near_its_end_gets_a_new_key_from_the_next_replica_and_sessions_signed_before_carry_on()
    {
        var database = await platform.Postgres.CreateDatabaseAsync();
        var extra = WebKeysCertificate();
        await using var a = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), PlatformFixture.SeedFile, Extra: extra));
        var cookies = new System.Net.CookieContainer();
        using var onA = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = new Uri($"http://127.0.0.1:{a.Config.WebPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await WebSignIn.PostLoginAsync(onA, a.Keys()["assessor"])).StatusCode);
        Assert.Single(await WebKeyRowsAsync(database));

        // The ring's only key now ends tomorrow: the next replica to start adds one, and the session signed with the
        // old key (still valid until it ends) is honoured there.
        await using (var db = Npgsql.NpgsqlDataSource.Create(database))
        {
            await using var expire = db.CreateCommand("""
                UPDATE web_keys SET xml = regexp_replace(xml, '<expirationDate>[^<]+</expirationDate>',
                    '<expirationDate>' || to_char((now() + interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '</expirationDate>')
                """);
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        await using var b = await StartAsync(new Settings(database, PostgresFixture.NewDataDir(), null, Extra: extra));
        // At least one new key, valid for months (Data Protection may add one of its own beside the bootstrap's: every
        // key is in the shared ring, so any of them serves).
        var ends = (await WebKeyRowsAsync(database)).Select(xml => DateTimeOffset.Parse(
            System.Xml.Linq.XElement.Parse(xml).Element("expirationDate")!.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(ends.Count >= 2, $"{ends.Count} keys");
        Assert.Contains(ends, end => end > DateTimeOffset.UtcNow.AddDays(60));
        using var onB = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = new Uri($"http://127.0.0.1:{b.Config.WebPort}") };
        foreach (System.Net.Cookie cookie in cookies.GetCookies(onA.BaseAddress!))
        {
            cookies.Add(onB.BaseAddress!, new System.Net.Cookie(cookie.Name, cookie.Value, "/"));
        }

        using var page = await onB.GetAsync("/2024");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    /// <summary>A self-signed certificate and key as PEM files, as the assessment-web-keys Secret holds them.</summary>
    private static string[] WebKeysCertificate()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=assessment-web-keys", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var folder = Directory.CreateDirectory(PostgresFixture.ScratchPath($"web-keys-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(folder, "tls.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "tls.key"), rsa.ExportPkcs8PrivateKeyPem());
        return [$"--WebKeys:CertificateFile={Path.Combine(folder, "tls.crt")}", $"--WebKeys:KeyFile={Path.Combine(folder, "tls.key")}"];
    }

    private static async Task<List<string>> WebKeyRowsAsync(string database)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(database);
        await using var read = db.CreateCommand("SELECT xml FROM web_keys ORDER BY created_at");
        await using var reader = await read.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
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

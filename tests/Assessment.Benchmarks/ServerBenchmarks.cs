using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Assessment.Server.Hosting;
using Grpc.Health.V1;
using Npgsql;

namespace Assessment.Benchmarks;

/// <summary>
/// B3/B4: ranking through the real server (gRPC → round grain → county grains), warm and cold, against a gRPC health
/// call on the same server (the round-trip floor) and a PostgreSQL read of the county rows. B8: silo start to first
/// served request, clean and after a kill -9 left a stale membership row, against localhost clustering.
/// </summary>
internal static class ServerBenchmarks
{
    public static async Task<List<Result>> RunAsync(bool quick)
    {
        var results = new List<Result>();
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        foreach (var counties in new[] { 20, 2850 })
        {
            results.AddRange(await RankingAsync(postgres, root, counties, quick));
        }

        results.AddRange(await StartupAsync(postgres, root));
        results.AddRange(await NoisyTenantAsync(postgres, root, quick));

        return results;
    }

    /// <summary>Only the 2,850-county ranking (<c>--only ranking</c>).</summary>
    public static Task<List<Result>> RankingOnlyAsync(bool quick) =>
        OnOwnPostgresAsync((postgres, root) => RankingAsync(postgres, root, 2850, quick));

    /// <summary>Only the noisy-tenant scenario (<c>--only noisy</c>).</summary>
    public static Task<List<Result>> NoisyOnlyAsync(bool quick) =>
        OnOwnPostgresAsync((postgres, root) => NoisyTenantAsync(postgres, root, quick));

    private static async Task<List<Result>> OnOwnPostgresAsync(Func<EmbeddedPostgres, string, Task<IEnumerable<Result>>> scenario)
    {
        await using var bench = await BenchPostgres.StartAsync();
        var (root, postgres) = (bench.Root, bench.Postgres);
        return [.. await scenario(postgres, root)];
    }

    private static async Task<IEnumerable<Result>> RankingAsync(EmbeddedPostgres postgres, string root, int counties, bool quick)
    {
        var database = await CreateDatabaseAsync(postgres, $"rank{counties}");
        var seed = Path.Combine(root, $"seed-{counties}.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("rank", counties, 1, c => $"org.leading_group: 1, org.meetings: {c % 6}"));
        var settings = new ServerProcess.Settings(database, Path.Combine(root, $"data-{counties}"), seed, Throwaway: false);
        double cold;
        Stats warm, echo, overview, rankingPage, countyPage, webFloor;
        await using (var server = await ServerProcess.StartAsync(settings))
        {
            var key = server.Keys()["assessor"];
            var client = new AssessmentService.AssessmentServiceClient(server.Channel);
            var health = new Health.HealthClient(server.Channel);
            cold = await Time(() => client.GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(key, 120)).ResponseAsync);
            var iterations = counties == 20 ? (quick ? 300 : 3000) : (quick ? 20 : 200);
            warm = await MeasureAsync(iterations, () => client.GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(key)).ResponseAsync);
            echo = await MeasureAsync(iterations, () => health.CheckAsync(new HealthCheckRequest()).ResponseAsync);

            // The workbench's pages for the same round, signed in as the assessor (B12).
            Console.Error.WriteLine($"  B12 workbench pages, {counties} counties …");
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() };
            using var web = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{server.Config.WebPort}") };
            await SignInAsync(web, key);
            async Task Get(string path)
            {
                using var response = await web.GetAsync(path);
                response.EnsureSuccessStatusCode();
                _ = await response.Content.ReadAsByteArrayAsync();
            }

            var pages = counties == 20 ? (quick ? 100 : 1000) : (quick ? 10 : 100);
            overview = await MeasureAsync(pages, () => Get("/2024"));
            rankingPage = await MeasureAsync(pages, () => Get("/2024/ranking"));
            countyPage = await MeasureAsync(pages * 5, () => Get("/2024/counties/c1"));
            webFloor = await MeasureAsync(pages * 5, () => Get("/healthz"));
        }

        // After a restart: first without the start-up warm-up (Warmup:MaxRounds=0: the round and the process are cold
        // on the first request), then as shipped (the round loaded before "Ready."), each with its restart-to-ready time.
        async Task<(double Ready, double First)> Restart(Func<ServerProcess, Task> first, params string[] extra)
        {
            var watch = Stopwatch.StartNew();
            await using var restarted = await ServerProcess.StartAsync(settings with { Extra = extra });
            var ready = watch.Elapsed.TotalMilliseconds;
            return (ready, await Time(() => first(restarted)));
        }

        Task Rank(ServerProcess s) => new AssessmentService.AssessmentServiceClient(s.Channel)
            .GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(s.Keys()["assessor"], 120)).ResponseAsync;
        Task Draft(ServerProcess s) => new BulletinService.BulletinServiceClient(s.Channel)
            .RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Html }, ServerProcess.As(s.Keys()["assessor"], 120)).ResponseAsync;
        var (readyCold, coldRestart) = await Restart(Rank, "--Warmup:MaxRounds=0");
        var (_, bulletinCold) = await Restart(Draft, "--Warmup:MaxRounds=0");
        var (readyWarm, warmRestart) = await Restart(Rank);
        var (_, bulletinRestart) = await Restart(Draft);

        var read = await Time(async () =>
        {
            await using var dataSource = NpgsqlDataSource.Create(database);
            // The query a cold ranking runs (PostgresCountyFacts), reading the bytes only.
            await using var cmd = dataSource.CreateCommand("SELECT county, facts FROM county_states WHERE tenant = 'rank' AND year = 2024");
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                _ = reader.GetString(0);
                _ = reader.GetFieldValue<byte[]>(1);
                rows++;
            }

            // A baseline that read nothing would flatter every ratio: refuse it.
            if (rows < counties)
            {
                throw new InvalidOperationException($"The baseline read {rows} county rows, expected {counties}.");
            }
        });

        var tag = counties == 20 ? "B3" : "B4";
        return
        [
            new Result($"{tag} ranking {counties} counties over gRPC, warm p50 (ms)", warm.P50, echo.P50, "gRPC health call p50, same server"),
            new Result($"{tag} ranking {counties} counties over gRPC, cold: first call after start (ms)", cold, read, "PostgreSQL read of the county rows"),
            new Result($"{tag} ranking {counties} counties over gRPC, cold after a restart, no warm-up (ms)", coldRestart, read, "PostgreSQL read of the county rows"),
            new Result($"{tag} first bulletin (HTML draft) of {counties} counties after a restart, no warm-up (ms)", bulletinCold, read, "PostgreSQL read of the county rows"),
            new Result($"{tag} ranking {counties} counties over gRPC, first call after a restart (ms)", warmRestart, read, "PostgreSQL read of the county rows"),
            new Result($"{tag} first bulletin (HTML draft) of {counties} counties after a restart (ms)", bulletinRestart, read, "PostgreSQL read of the county rows"),
            new Result($"{tag} restart to ready, round of {counties} counties loaded by the warm-up (ms)", readyWarm, readyCold, "restart to ready without the warm-up"),
            new Result($"B12 workbench overview page, {counties} counties, warm p50 (ms)", overview.P50, webFloor.P50, "HTTP /healthz p50, same server"),
            new Result($"B12 workbench ranking page, {counties} counties, warm p50 (ms)", rankingPage.P50, warm.P50, "gRPC ranking p50, same round"),
            new Result($"B12 workbench county page, {counties} counties, warm p50 (ms)", countyPage.P50, webFloor.P50, "HTTP /healthz p50, same server"),
        ];
    }

    private static async Task<IEnumerable<Result>> StartupAsync(EmbeddedPostgres postgres, string root)
    {
        async Task<double> StartToFirstRequest(ServerProcess.Settings settings, Action<ServerProcess>? end = null)
        {
            var watch = Stopwatch.StartNew();
            var server = await ServerProcess.StartAsync(settings);
            await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest());
            var elapsed = watch.Elapsed.TotalMilliseconds;
            if (end is null)
            {
                await server.DisposeAsync();
            }
            else
            {
                end(server);
            }

            return elapsed;
        }

        var localhost = await StartToFirstRequest(new ServerProcess.Settings(await CreateDatabaseAsync(postgres, "start_local"), Path.Combine(root, "s1"), null, Throwaway: false));
        var adonetDb = await CreateDatabaseAsync(postgres, "start_adonet");
        var adonetSettings = new ServerProcess.Settings(adonetDb, Path.Combine(root, "s2"), null, Throwaway: false, ClusterMode: "adonet");
        var clean = await StartToFirstRequest(adonetSettings, s => s.Kill());
        var stale = await StartToFirstRequest(adonetSettings);
        return
        [
            new Result("B8 silo start to first served request, ADO.NET clustering, clean (ms)", clean, localhost, "localhost clustering"),
            new Result("B8 silo start to first served request, after kill -9 left a stale row (ms)", stale, localhost, "localhost clustering"),
        ];
    }

    /// <summary>
    /// One tenant renders its bulletin with a slow template of its own, eight at a time, while another tenant asks for
    /// its ranking: the other tenant's p99 against its own p99 with nobody rendering (target ≤ 2×).
    /// </summary>
    private static async Task<IEnumerable<Result>> NoisyTenantAsync(EmbeddedPostgres postgres, string root, bool quick)
    {
        var database = await CreateDatabaseAsync(postgres, "noisy");
        var seed = Path.Combine(root, "seed-noisy.yaml");
        await File.WriteAllTextAsync(seed, BenchData.Seed("quiet", 20, 1, c => $"org.leading_group: 1, org.meetings: {c % 6}"));
        await using var server = await ServerProcess.StartAsync(new ServerProcess.Settings(database, Path.Combine(root, "data-noisy"), seed, Throwaway: false));
        var op = ServerProcess.As(server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(server.Channel);
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = "noisy", Name = "喧闹市", Issuer = "喧闹市依法治市办", DocumentPrefix = "喧法", Recipients = "各县" }, op);
        foreach (var county in new[] { "n1", "n2", "n3" })
        {
            await admin.AddCountyAsync(new AddCountyRequest { Tenant = "noisy", County = county, Name = county + "县" }, op);
        }

        var noisyAssessor = ServerProcess.As((await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "noisy", Role = "assessor", Name = "喧闹考核办" }, op)).Key, 120);
        var noisyAdmin = ServerProcess.As((await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "noisy", Role = "tenant_admin", Name = "喧闹管理员" }, op)).Key);
        var assessment = new AssessmentService.AssessmentServiceClient(server.Channel);
        await assessment.DefineRoundAsync(new DefineRoundRequest { Year = 2024, SubmissionDeadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, noisyAssessor);
        await assessment.OpenRoundAsync(new RoundTransitionRequest { Year = 2024 }, noisyAssessor);
        // Passes the upload trial (two sample counties); on the real data it burns CPU until its render budget ends.
        await admin.UploadTemplateAsync(new UploadTemplateRequest
        {
            Format = "markdown",
            Source = "{{ if county_count > 2; for i in 1..1000; s = \"x\" | string.pad_right 60000; t = s | string.replace \"x\" \"yy\"; u = t | string.size; end; end }}ok",
        }, noisyAdmin);

        var quietKey = server.Keys()["assessor"];
        var iterations = quick ? 300 : 2000;
        var idle = await MeasureAsync(iterations, () => assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(quietKey)).ResponseAsync);

        using var stop = new CancellationTokenSource();
        var bulletins = new BulletinService.BulletinServiceClient(server.Channel);
        var one = Stopwatch.StartNew();
        try
        {
            await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, noisyAssessor);
        }
        catch (Grpc.Core.RpcException ex)
        {
            Console.Error.WriteLine($"  noisy render: {ex.StatusCode} {ex.Status.Detail}");
        }

        Console.Error.WriteLine($"  one noisy render took {one.Elapsed.TotalMilliseconds:0} ms");
        var refused = 0;
        var renders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, noisyAssessor);
                }
                catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(100);
                }
                catch (Grpc.Core.RpcException)
                {
                    // the template failing its budget: the render ran, and that is the load
                }
            }
        })).ToArray();
        await Task.Delay(1000);
        var busy = await MeasureAsync(iterations, () => assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, ServerProcess.As(quietKey)).ResponseAsync);
        await stop.CancelAsync();
        await Task.WhenAll(renders);
        Console.Error.WriteLine($"  noisy tenant: {refused} renders refused with RESOURCE_EXHAUSTED while measuring");
        return
        [
            new Result("another tenant's ranking p99 while one tenant runs 8 slow template renders (ms)", busy.P99, idle.P99, "the same ranking p99 with nobody rendering"),
            new Result("another tenant's ranking p50 while one tenant runs 8 slow template renders (ms)", busy.P50, idle.P50, "the same ranking p50 with nobody rendering"),
        ];
    }

    /// <summary>Signs in to the workbench as a browser does: the form's antiforgery token first.</summary>
    public static async Task SignInAsync(HttpClient web, string key)
    {
        var form = await web.GetStringAsync("/login");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var response = await web.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["key"] = key }));
        if (response.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Workbench sign-in failed: {(int)response.StatusCode}.");
        }
    }

    internal static async Task<string> CreateDatabaseAsync(EmbeddedPostgres postgres, string name)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<double> Time(Func<Task> call)
    {
        var watch = Stopwatch.StartNew();
        await call();
        return watch.Elapsed.TotalMilliseconds;
    }

    internal static async Task<Stats> MeasureAsync(int iterations, Func<Task> call)
    {
        for (var i = 0; i < Math.Max(5, iterations / 10); i++)
        {
            await call();
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            samples[i] = await Time(call);
        }

        Array.Sort(samples);
        return new Stats(samples[iterations / 2], samples[Math.Min(iterations - 1, (int)(iterations * 0.99))]);
    }
}

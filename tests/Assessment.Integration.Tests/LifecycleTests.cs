using System.Collections.Concurrent;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using Npgsql;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

[Collection(ServerCollection.Name)]
public sealed class LifecycleTests(PlatformFixture platform)
{
    private sealed record Ack(int Version, double Value);

    [Fact]
    public async Task A_restarted_server_loads_the_recently_active_round_before_it_says_ready_and_ranks_as_before()
    {
        var settings = new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile);
        Ranking before;
        RenderedBulletin draftBefore;
        var draft = new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Html };
        IReadOnlyDictionary<string, string> keys;
        await using (var server = await StartAsync(settings))
        {
            keys = server.Keys();
            var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
            request.Values.Add(new IndicatorValue { Code = "pufa.activities", Value = 12 });
            await new SubmissionService.SubmissionServiceClient(server.Channel).SubmitIndicatorsAsync(request, As(keys["alpha/u1"]));
            before = await new AssessmentService.AssessmentServiceClient(server.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));
            draftBefore = await new BulletinService.BulletinServiceClient(server.Channel).RenderAsync(draft, As(keys["assessor"]));
        }

        // The round counties wrote to is loaded (ranking, board, the draft bulletin's code) before "Ready.", which is
        // also when /readyz turns healthy; the ranking is the one from before the restart.
        await using (var restarted = await StartAsync(settings))
        {
            var output = restarted.Output;
            var loaded = output.IndexOf("Warm-up: 1 recent round loaded ahead", StringComparison.Ordinal);
            Assert.True(loaded >= 0 && loaded < output.IndexOf("Ready.", StringComparison.Ordinal), output);

            // Then the server's own health check over its gRPC port, which finds it serving.
            Assert.Matches(@"Warm-up: 1 recent round loaded ahead [^\n]*; gRPC port answers \(Serving\) in \d+ ms", output);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restarted.Config.WebPort}") };
            Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
            var after = await new AssessmentService.AssessmentServiceClient(restarted.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));
            Assert.Equal(before.Entries.Select(e => (e.County, e.Rank, e.Total)), after.Entries.Select(e => (e.County, e.Rank, e.Total)));

            // The draft rendered ahead is the document from before; a changed figure makes a new one.
            var bulletins = new BulletinService.BulletinServiceClient(restarted.Channel);
            Assert.Equal(draftBefore.Sha256, (await bulletins.RenderAsync(draft, As(keys["assessor"]))).Sha256);
            var change = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
            change.Values.Add(new IndicatorValue { Code = "pufa.activities", Value = 30 }); // beta now leads its peers
            await new SubmissionService.SubmissionServiceClient(restarted.Channel).SubmitIndicatorsAsync(change, As(keys["beta/u1"]));
            Assert.NotEqual(draftBefore.Sha256, (await bulletins.RenderAsync(draft, As(keys["assessor"]))).Sha256);
        }

        // Turned off, nothing is loaded ahead.
        await using (var plain = await StartAsync(settings with { Extra = ["--Warmup:MaxRounds=0"] }))
        {
            Assert.Contains("Warm-up: 0 recent rounds loaded ahead", plain.Output, StringComparison.Ordinal);
            Assert.Contains("gRPC port answers", plain.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_acknowledged_submission_survives_a_kill_and_the_county_equals_the_sum_of_its_units()
    {
        var settings = new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile);
        var server = await StartAsync(settings);
        var keys = server.Keys();
        string[] units = ["u1", "u2", "u3", "u4", "u5", "u6"];
        var acked = new ConcurrentDictionary<string, Ack>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));

        // Twelve units submit rising values as fast as they can; the server is killed while calls are in flight.
        var workers = new[] { "alpha", "beta" }.SelectMany(c => units.Select(u => $"{c}/{u}")).Select(path => Task.Run(async () =>
        {
            var client = new SubmissionService.SubmissionServiceClient(server.Channel);
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
                request.Values.Add(new IndicatorValue { Code = "legalaid.documents_drafted", Value = i });
                try
                {
                    var response = await client.SubmitIndicatorsAsync(request, As(keys[path], 10));
                    acked[path] = new Ack(response.Version, i);
                }
                catch (RpcException)
                {
                    return; // the kill: this outcome is unknown, which the check allows for
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        server.Kill();
        await Task.WhenAll(workers);
        Assert.True(acked.Values.Sum(a => a.Version) > 50, $"too few acknowledgements to mean anything: {acked.Values.Sum(a => a.Version)}");

        await using var restarted = await StartAsync(settings);
        var submissions = new SubmissionService.SubmissionServiceClient(restarted.Channel);
        var latest = new Dictionary<string, double>();
        foreach (var (path, ack) in acked)
        {
            var mine = await submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(keys[path]));
            Assert.True(mine.Version >= ack.Version, $"{path}: acknowledged version {ack.Version} lost (found {mine.Version})");
            var value = mine.Values.Single(v => v.Code == "legalaid.documents_drafted").Value;
            Assert.True(value >= ack.Value, $"{path}: acknowledged value {ack.Value} lost (found {value})");
            latest[path] = value;
        }

        // Pending unit → county pushes drain after the restart; then each county equals the sum of its units.
        var assessment = new AssessmentService.AssessmentServiceClient(restarted.Channel);
        foreach (var county in new[] { "alpha", "beta" })
        {
            var expected = latest.Where(kv => kv.Key.StartsWith(county + "/", StringComparison.Ordinal)).Sum(kv => kv.Value);
            double actual = -1;
            for (var attempt = 0; attempt < 60 && actual != expected; attempt++)
            {
                var response = await assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = county }, As(keys["assessor"]));
                actual = response.Values.SingleOrDefault(v => v.Code == "legalaid.documents_drafted")?.Value ?? 0;
                if (actual != expected)
                {
                    await Task.Delay(500);
                }
            }

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public async Task The_server_refuses_a_database_with_fsync_off_unless_told_it_is_a_throwaway()
    {
        var settings = new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), null, Throwaway: false);
        await using var server = await StartAsync(settings, expectExit: true);
        Assert.Equal(2, server.ExitCode);
        Assert.Contains("fsync=off", server.Output, StringComparison.Ordinal);
        Assert.Contains("Database__Throwaway=true", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_postgresql_binaries_the_server_says_what_to_install()
    {
        var settings = new Settings("", PostgresFixture.NewDataDir(), null, true, "localhost", "--Database:PostgresBinDir=/nonexistent/bin");
        await using var server = await StartAsync(settings, expectExit: true);
        Assert.Equal(2, server.ExitCode);
        Assert.Contains("pg_ctl", server.Output, StringComparison.Ordinal);
        Assert.Contains("Database:PostgresBinDir", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_cluster_mode_the_silo_joins_through_the_projects_membership_queries_and_serves()
    {
        var connectionString = await platform.Postgres.CreateDatabaseAsync();
        await using var server = await StartAsync(new Settings(connectionString, PostgresFixture.NewDataDir(), PlatformFixture.SeedFile, ClusterMode: "adonet"));
        var keys = server.Keys();
        var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
        request.Values.Add(new IndicatorValue { Code = "legalaid.cases", Value = 3 });
        await new SubmissionService.SubmissionServiceClient(server.Channel).SubmitIndicatorsAsync(request, As(keys["gamma/u1"]));
        var ranking = await new AssessmentService.AssessmentServiceClient(server.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));
        Assert.Equal(3, ranking.Entries.Count);

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var members = dataSource.CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3");
        Assert.Equal(1L, await members.ExecuteScalarAsync());
        await server.StopAsync();
        await using var after = dataSource.CreateCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3");
        Assert.Equal(0L, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_migration_job_mode_applies_the_schema_and_exits()
    {
        var connectionString = await platform.Postgres.CreateDatabaseAsync();
        await using var job = await StartAsync(new Settings(connectionString, PostgresFixture.NewDataDir(), null, true, "localhost", "--Database:MigrateOnly=true"), expectExit: true);
        Assert.Equal(0, job.ExitCode);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM assessment_schema_migrations");
        Assert.Equal((long)Assessment.Server.Hosting.SchemaMigrator.Scripts().Count, await count.ExecuteScalarAsync());
    }
}

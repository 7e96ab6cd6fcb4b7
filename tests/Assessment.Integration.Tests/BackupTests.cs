using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// <c>make backup</c> / <c>make restore</c> on the embedded database: a copy taken while units keep submitting, restored
/// into a new data folder, starts a platform with the same rankings, the same issued bulletin (bytes and hash) and the
/// same audit chains, verifying.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BackupTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_backup_taken_while_units_submit_restores_into_a_new_folder_as_the_same_platform()
    {
        _ = platform; // the collection's PostgreSQL is not used: this test's servers provision their own, as `make run` does
        var file = PostgresFixture.ScratchPath($"backup-{Guid.NewGuid():N}.dump");
        var dataA = PostgresFixture.NewDataDir();
        TestTenant tenant;
        Ranking ranking;
        RenderedBulletin bulletin;
        Contracts.V1.AuditHead head;
        int written;
        await using (var a = await StartAsync(new Settings("", dataA, PlatformFixture.SeedFile, Throwaway: false)))
        {
            tenant = await TestTenant.CreateAsync(a, 2025);
            await new SubmissionService.SubmissionServiceClient(a.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                Year = 2025,
                SubmissionId = Guid.NewGuid().ToString(),
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = 17 } },
            }, As(tenant.Units["u1"]));
            await tenant.ReviewAndCloseAsync(a, 2025);
            var rounds = new AssessmentService.AssessmentServiceClient(a.Channel);
            await rounds.PublishRoundAsync(new PublishRoundRequest { Year = 2025, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
            ranking = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor));
            bulletin = await new BulletinService.BulletinServiceClient(a.Channel).RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
            head = (await rounds.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head;

            // Another tenant's unit keeps submitting while the copy is taken.
            var unit = a.Keys()["alpha/u1"];
            using var stop = new CancellationTokenSource();
            var load = Task.Run(async () =>
            {
                var n = 0;
                var client = new SubmissionService.SubmissionServiceClient(a.Channel);
                while (!stop.IsCancellationRequested)
                {
                    await client.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
                    {
                        Year = 2024,
                        SubmissionId = Guid.NewGuid().ToString(),
                        Values = { new IndicatorValue { Code = "legalaid.cases", Value = ++n } },
                    }, As(unit));
                }

                return n;
            });
            await Task.Delay(300);
            var backup = await CommandAsync("backup", file, $"--DataDir={dataA}");
            stop.Cancel();
            written = await load;
            Assert.True(backup.Exit == 0, backup.Output);
            Assert.True(new FileInfo(file).Length > 0);
        }

        Assert.True(written > 0);
        var dataB = PostgresFixture.NewDataDir();
        var restored = await CommandAsync("restore", file, $"--DataDir={dataB}");
        Assert.True(restored.Exit == 0, restored.Output);
        var again = await CommandAsync("restore", file, $"--DataDir={dataB}");
        Assert.Equal(2, again.Exit);
        Assert.Contains("already holds", again.Output, StringComparison.Ordinal);

        await using var b = await StartAsync(new Settings("", dataB, null, Throwaway: false));
        var roundsB = new AssessmentService.AssessmentServiceClient(b.Channel);
        var rankingB = await roundsB.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal(ranking.Entries.Select(e => (e.Rank, e.County, e.Total, e.Grade)), rankingB.Entries.Select(e => (e.Rank, e.County, e.Total, e.Grade)));
        var bulletinB = await new BulletinService.BulletinServiceClient(b.Channel).RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal((bulletin.Sha256, bulletin.DocumentNumber, bulletin.Content), (bulletinB.Sha256, bulletinB.DocumentNumber, bulletinB.Content));
        var verify = await AssessCli.RunAsync(b, tenant.Assessor, "audit", "verify", "--year", "2025");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        var headB = (await roundsB.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head;
        Assert.Equal((head.Count, head.Hash), (headB.Count, headB.Hash));
    }

    [Fact]
    public async Task Recovery_to_a_moment_just_before_an_accidental_change_shows_the_state_before_it()
    {
        var dataA = PostgresFixture.NewDataDir();
        TestTenant tenant;
        DateTimeOffset mark;
        async Task SubmitAsync(ServerProcess server, double cases) =>
            await new SubmissionService.SubmissionServiceClient(server.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                Year = 2025,
                SubmissionId = Guid.NewGuid().ToString(),
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
            }, As(tenant.Units["u1"]));

        await using (var a = await StartAsync(new Settings("", dataA, PlatformFixture.SeedFile, Throwaway: false)))
        {
            tenant = await TestTenant.CreateAsync(a, 2025);
            await SubmitAsync(a, 10);
            var baseBackup = await CommandAsync("base-backup", $"--DataDir={dataA}");
            Assert.True(baseBackup.Exit == 0, baseBackup.Output);
            await SubmitAsync(a, 11); // after the base backup: only the archived log has it
            await Task.Delay(1500);
            mark = DateTimeOffset.UtcNow;
            await Task.Delay(1500);
            await SubmitAsync(a, 99); // the accidental change

            // The segment holding the moment is archived (the cluster closes one at least every 15 minutes by itself).
            var port = await Server.Hosting.EmbeddedPostgres.RunningPortAsync(dataA);
            await using var db = Npgsql.NpgsqlDataSource.Create(await Server.Hosting.EmbeddedPostgres.ConnectionStringAsync(dataA, port!.Value));
            await using var switchWal = db.CreateCommand("SELECT pg_walfile_name(pg_switch_wal())");
            var segment = (string)(await switchWal.ExecuteScalarAsync())!;
            var archived = Path.Combine(await Server.Hosting.EmbeddedPostgres.WalArchiveAsync(dataA), segment);
            for (var i = 0; i < 150 && !File.Exists(archived); i++)
            {
                await Task.Delay(200);
            }

            Assert.True(File.Exists(archived), $"{archived} was not archived");
        }

        var dataB = PostgresFixture.NewDataDir();
        var recovered = await CommandAsync("recover", $"--From={dataA}", $"--At={mark.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}", $"--DataDir={dataB}");
        Assert.True(recovered.Exit == 0, recovered.Output);
        await using var b = await StartAsync(new Settings("", dataB, null, Throwaway: false));
        var mine = await new SubmissionService.SubmissionServiceClient(b.Channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2025 }, As(tenant.Units["u1"]));
        Assert.Equal(11, mine.Values.Single(v => v.Code == "legalaid.cases").Value);

        // The recovered platform archives its own log, and a new base backup leaves no segment older than it needs.
        var archive = await Server.Hosting.EmbeddedPostgres.WalArchiveAsync(dataB);
        await using (var db = Npgsql.NpgsqlDataSource.Create(await Server.Hosting.EmbeddedPostgres.ConnectionStringAsync(dataB, (await Server.Hosting.EmbeddedPostgres.RunningPortAsync(dataB))!.Value)))
        {
            Assert.Equal(0, (await CommandAsync("base-backup", $"--DataDir={dataB}")).Exit);
            for (var i = 0; i < 3; i++)
            {
                await SubmitAsync(b, 20 + i);
                await using var switchWal = db.CreateCommand("SELECT pg_switch_wal()");
                await switchWal.ExecuteScalarAsync();
            }

            await Task.Delay(1000);
            var second = await CommandAsync("base-backup", $"--DataDir={dataB}");
            Assert.True(second.Exit == 0, second.Output);
        }

        var label = Directory.GetFiles(archive, "*.backup").Select(Path.GetFileName).Max()!;
        var segments = Directory.GetFiles(archive).Select(Path.GetFileName).Where(n => n!.Length == 24).ToList();
        Assert.All(segments, n => Assert.True(string.CompareOrdinal(n![8..], label[8..24]) >= 0, $"{n} is older than {label}"));
    }

    [Theory]
    [InlineData("2026-12-07 10:15:00", "2026-12-07T02:15:00Z")]
    [InlineData("2026-12-07 10:15", "2026-12-07T02:15:00Z")]
    [InlineData("2026-12-07T10:15:00", "2026-12-07T02:15:00Z")]
    [InlineData("2026-12-07T02:15:00Z", "2026-12-07T02:15:00Z")]
    [InlineData("2026-12-07T02:15:00.250z", "2026-12-07T02:15:00.25Z")]
    [InlineData("2026-12-07 10:15:00-05:00", "2026-12-07T15:15:00Z")]
    [InlineData("2026-12-07T10:15:00+08:00", "2026-12-07T02:15:00Z")]
    [InlineData("7/12/2026 10:15", null)]
    [InlineData("明天上午", null)]
    [InlineData("2026-13-07 10:15:00", null)]
    public void A_moment_is_read_as_beijing_time_unless_it_names_its_offset(string written, string? utc)
    {
        var parsed = Server.Hosting.BackupMode.ParseMoment(written);
        Assert.Equal(utc is null ? null : DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), parsed);
    }
}

using System.Diagnostics;
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
    private static async Task<(int Exit, string Output)> ServerCommandAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", ServerDll() }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output + await error);
    }

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
            var backup = await ServerCommandAsync("backup", file, $"--DataDir={dataA}");
            stop.Cancel();
            written = await load;
            Assert.True(backup.Exit == 0, backup.Output);
            Assert.True(new FileInfo(file).Length > 0);
        }

        Assert.True(written > 0);
        var dataB = PostgresFixture.NewDataDir();
        var restored = await ServerCommandAsync("restore", file, $"--DataDir={dataB}");
        Assert.True(restored.Exit == 0, restored.Output);
        var again = await ServerCommandAsync("restore", file, $"--DataDir={dataB}");
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
}

using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Upgrades as an operator runs them: a database written by an earlier release (built from this repository's history)
/// is opened by the current one, which must read every year back as it was.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class UpgradeTests(PlatformFixture platform)
{
    private static IEnumerable<(int, string, double, string)> Standing(Ranking ranking) =>
        ranking.Entries.Select(e => (e.Rank, e.County, Math.Round(e.Total, 6), e.Grade));

    [Fact]
    public async Task A_database_from_before_tenant_catalogs_upgrades_with_the_same_rankings_bulletin_and_audit_chains()
    {
        _ = platform; // these servers provision their own PostgreSQL, as `make run` does
        var earlier = await EarlierRelease.BuildAsync(EarlierRelease.BeforeTenantCatalogs);
        var data = PostgresFixture.NewDataDir();
        TestTenant tenant;
        Ranking published, seeded;
        RenderedBulletin bulletin;
        BulletinStatus status;
        Contracts.V1.AuditHead head;
        RoundSummary round;
        IReadOnlyDictionary<string, string> keys;
        await using (var old = await StartAsync(new Settings("", data, earlier.File("tests", "Assessment.Integration.Tests", "Seeds", "itest.yaml"), Throwaway: false) { Dll = earlier.Dll }))
        {
            keys = old.Keys();
            tenant = await TestTenant.CreateAsync(old, 2025);
            var submissions = new SubmissionService.SubmissionServiceClient(old.Channel);
            foreach (var (unit, cases) in new[] { ("u1", 17.0), ("u2", 4.0) })
            {
                await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
                {
                    Year = 2025,
                    SubmissionId = Guid.NewGuid().ToString(),
                    Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
                }, As(tenant.Units[unit]));
            }

            await tenant.ReviewAndCloseAsync(old, 2025);
            var rounds = new AssessmentService.AssessmentServiceClient(old.Channel);
            await rounds.PublishRoundAsync(new PublishRoundRequest { Year = 2025, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
            published = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor));
            var bulletins = new BulletinService.BulletinServiceClient(old.Channel);
            bulletin = await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
            status = await bulletins.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
            head = (await rounds.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head;

            // A year still open at the upgrade: its figures so far must carry over and take more.
            await tenant.OpenRoundAsync(old, 2026);
            await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                Year = 2026,
                SubmissionId = Guid.NewGuid().ToString(),
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = 9 } },
            }, As(tenant.Units["u1"]));
            round = await rounds.GetRoundAsync(new GetRoundRequest { Year = 2026 }, As(tenant.Assessor));
            seeded = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));
        }

        await using var now = await StartAsync(new Settings("", data, null, Throwaway: false));
        var roundsNow = new AssessmentService.AssessmentServiceClient(now.Channel);

        // The published year: the same standings, the same issued document to the byte, the same chains, verifying.
        Assert.Equal(Standing(published), Standing(await roundsNow.GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor))));
        var bulletinsNow = new BulletinService.BulletinServiceClient(now.Channel);
        var bulletinNow = await bulletinsNow.RenderAsync(new RenderBulletinRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal((bulletin.Sha256, bulletin.DocumentNumber, bulletin.Content), (bulletinNow.Sha256, bulletinNow.DocumentNumber, bulletinNow.Content));
        var statusNow = await bulletinsNow.GetStatusAsync(new BulletinStatusRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal(
            status.Editions.Select(e => (e.DocumentNumber, e.HtmlSha256, e.MarkdownSha256, e.ModelSha256, e.Receipts.Count)),
            statusNow.Editions.Select(e => (e.DocumentNumber, e.HtmlSha256, e.MarkdownSha256, e.ModelSha256, e.Receipts.Count)));
        Assert.Equal(head.Count, (await roundsNow.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head.Count);
        Assert.Equal(head.Hash, (await roundsNow.ListAuditAsync(new ListAuditRequest { Year = 2025, County = "c1" }, As(tenant.Assessor))).Head.Hash);
        foreach (var year in new[] { "2025", "2026" })
        {
            var verify = await AssessCli.RunAsync(now, tenant.Assessor, "audit", "verify", "--year", year);
            Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        }

        // The tenant now owns a catalog: version 1, the national list it was on, pinned by both its years.
        var catalog = await new CatalogService.CatalogServiceClient(now.Channel).GetCatalogAsync(new GetCatalogRequest { Year = 2025 }, As(tenant.Assessor));
        Assert.Equal(1, catalog.Version);
        Assert.Equal(Domain.Catalog.IndicatorCatalog.Default.Indicators.Select(i => i.Code).Order(StringComparer.Ordinal), catalog.Indicators.Select(i => i.Code).Order(StringComparer.Ordinal));
        var roundNow = await roundsNow.GetRoundAsync(new GetRoundRequest { Year = 2026 }, As(tenant.Assessor));
        Assert.Equal((round.Phase, round.Version, 1), (roundNow.Phase, roundNow.Version, roundNow.CatalogVersion));
        Assert.Equal(1, (await roundsNow.GetRoundAsync(new GetRoundRequest { Year = 2025 }, As(tenant.Assessor))).CatalogVersion);

        // The open year goes on: the figure submitted before the upgrade is there, and a new one is taken.
        var submissionsNow = new SubmissionService.SubmissionServiceClient(now.Channel);
        await submissionsNow.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = 2026,
            SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "legalaid.cases", Value = 5 } },
        }, As(tenant.Units["u2"]));
        Assert.Equal(9, (await submissionsNow.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2026 }, As(tenant.Units["u1"]))).Values.Single(v => v.Code == "legalaid.cases").Value);
        var county = await roundsNow.GetCountyAsync(new GetCountyRequest { Year = 2026, County = "c1" }, As(tenant.Assessor));
        Assert.Equal(14, county.Values.Single(v => v.Code == "legalaid.cases").Value);

        // The seeded prefecture's year, untouched by the other tenant's upgrade work, ranks as before.
        Assert.Equal(Standing(seeded), Standing(await roundsNow.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]))));
    }
}

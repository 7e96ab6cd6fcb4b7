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
    [Fact]
    public async Task A_database_from_before_tenant_catalogs_upgrades_with_the_same_rankings_bulletin_and_audit_chains()
    {
        _ = platform; // these servers provision their own PostgreSQL, as `make run` does
        var earlier = await EarlierRelease.BuildAsync(EarlierRelease.BeforeTenantCatalogs);
        var data = PostgresFixture.NewDataDir();
        PublishedYear published;
        Ranking seeded;
        RoundSummary round;
        IReadOnlyDictionary<string, string> keys;
        await using (var old = await StartAsync(new Settings("", data, earlier.File("tests", "Assessment.Integration.Tests", "Seeds", "itest.yaml"), Throwaway: false) { Dll = earlier.Dll }))
        {
            keys = old.Keys();
            published = await PublishedYear.CreateAsync(old);

            // A year still open at the upgrade: its figures so far must carry over and take more.
            await published.Tenant.OpenRoundAsync(old, 2026);
            await new SubmissionService.SubmissionServiceClient(old.Channel).SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                Year = 2026,
                SubmissionId = Guid.NewGuid().ToString(),
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = 9 } },
            }, As(published.Tenant.Units["u1"]));
            var rounds = new AssessmentService.AssessmentServiceClient(old.Channel);
            round = await rounds.GetRoundAsync(new GetRoundRequest { Year = 2026 }, As(published.Tenant.Assessor));
            seeded = await rounds.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]));
        }

        await using var now = await StartAsync(new Settings("", data, null, Throwaway: false));
        var roundsNow = new AssessmentService.AssessmentServiceClient(now.Channel);
        var tenant = published.Tenant;

        // The published year: the same standings, the same issued document to the byte, the same chains, verifying.
        await published.AssertSameOnAsync(now);
        var open = await AssessCli.RunAsync(now, tenant.Assessor, "audit", "verify", "--year", "2026");
        Assert.True(open.Exit == 0, open.Out + open.Err);

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
        Assert.Equal(PublishedYear.Standing(seeded), PublishedYear.Standing(await roundsNow.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(keys["assessor"]))));
    }
}

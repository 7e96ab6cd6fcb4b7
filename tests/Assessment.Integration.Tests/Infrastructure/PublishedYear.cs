using Assessment.Contracts.V1;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// A tenant's published year as the server showed it — standings, the issued bulletin, its editions and receipts, the
/// county's audit head — taken on one server so that another (restored, upgraded, the tenant moved there) can be held
/// to it.
/// </summary>
public sealed record PublishedYear(TestTenant Tenant, int Year, Ranking Ranking, RenderedBulletin Bulletin, BulletinStatus Status, Contracts.V1.AuditHead Head)
{
    /// <summary>The 佐证材料 attached before review (when asked for), and its bytes.</summary>
    public (EvidenceFile File, byte[] Bytes)? Evidence { get; private init; }

    /// <summary>
    /// A new tenant whose year has two units' figures (and, with <paramref name="withEvidence"/>, a file proving one),
    /// is reviewed, closed and published; then read.
    /// </summary>
    public static async Task<PublishedYear> CreateAsync(ServerProcess server, int year = 2025, bool withEvidence = false)
    {
        var tenant = await TestTenant.CreateAsync(server, year);
        var submissions = new SubmissionService.SubmissionServiceClient(server.Channel);
        foreach (var (unit, cases) in new[] { ("u1", 17.0), ("u2", 4.0) })
        {
            await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
            {
                Year = year,
                SubmissionId = Guid.NewGuid().ToString(),
                Values = { new IndicatorValue { Code = "legalaid.cases", Value = cases } },
            }, As(tenant.Units[unit]));
        }

        (EvidenceFile, byte[])? evidence = null;
        if (withEvidence)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes("法律援助案件登记表\n共 17 件\n");
            evidence = (await EvidenceUpload.SendAsync(server, As(tenant.Units["u1"]), EvidenceUpload.Header("登记表.txt", bytes, year), bytes), bytes);
        }

        await tenant.ReviewAndCloseAsync(server, year);
        await new AssessmentService.AssessmentServiceClient(server.Channel)
            .PublishRoundAsync(new PublishRoundRequest { Year = year, RequestId = Guid.NewGuid().ToString() }, As(tenant.Assessor));
        return await ReadAsync(server, tenant, year) with { Evidence = evidence };
    }

    /// <summary>The standings of a ranking, totals rounded past float noise.</summary>
    public static IEnumerable<(int, string, double, string)> Standing(Ranking ranking) =>
        ranking.Entries.Select(e => (e.Rank, e.County, Math.Round(e.Total, 6), e.Grade));

    /// <summary>
    /// Asserts that <paramref name="server"/> shows this year exactly: the same standings, the same issued document to
    /// the byte, the same editions (hashes, receipts), the same audit head, and <c>assess audit verify</c> passing.
    /// </summary>
    public async Task AssertSameOnAsync(ServerProcess server)
    {
        var again = await ReadAsync(server, Tenant, Year);
        Assert.Equal(Standing(Ranking), Standing(again.Ranking));
        Assert.Equal((Bulletin.Sha256, Bulletin.DocumentNumber, Bulletin.Content), (again.Bulletin.Sha256, again.Bulletin.DocumentNumber, again.Bulletin.Content));
        Assert.Equal(Editions(Status), Editions(again.Status));
        Assert.Equal((Head.Count, Head.Hash), (again.Head.Count, again.Head.Hash));
        if (Evidence is var (file, bytes))
        {
            // The file is listed as it was and its bytes come back whole.
            var listed = await new EvidenceService.EvidenceServiceClient(server.Channel).ListEvidenceAsync(new ListEvidenceRequest { Year = Year, County = "c1" }, As(Tenant.Assessor));
            Assert.Equal(file, Assert.Single(listed.Files));
            Assert.Equal(bytes, await EvidenceUpload.DownloadAsync(server, As(Tenant.Assessor), file.Id));
        }

        var verify = await AssessCli.RunAsync(server, Tenant.Assessor, "audit", "verify", "--year", Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    private static IEnumerable<(string, string, string, string, int)> Editions(BulletinStatus status) =>
        status.Editions.Select(e => (e.DocumentNumber, e.HtmlSha256, e.MarkdownSha256, e.ModelSha256, e.Receipts.Count));

    private static async Task<PublishedYear> ReadAsync(ServerProcess server, TestTenant tenant, int year)
    {
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        var bulletins = new BulletinService.BulletinServiceClient(server.Channel);
        return new PublishedYear(
            tenant,
            year,
            await rounds.GetRankingAsync(new GetRankingRequest { Year = year }, As(tenant.Assessor)),
            await bulletins.RenderAsync(new RenderBulletinRequest { Year = year }, As(tenant.Assessor)),
            await bulletins.GetStatusAsync(new BulletinStatusRequest { Year = year }, As(tenant.Assessor)),
            (await rounds.ListAuditAsync(new ListAuditRequest { Year = year, County = "c1" }, As(tenant.Assessor))).Head);
    }
}

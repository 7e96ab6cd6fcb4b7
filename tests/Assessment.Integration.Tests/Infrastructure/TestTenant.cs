using Assessment.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>A tenant of its own on the shared test server: one county (c1) with three units and an open round.</summary>
public sealed record TestTenant(string Id, string Assessor, string County, IReadOnlyDictionary<string, string> Units)
{
    public static async Task<TestTenant> CreateAsync(ServerProcess server, int year, bool publishScores = false)
    {
        var admin = new AdminService.AdminServiceClient(server.Channel);
        var op = As(server.OperatorKey());
        var tenant = $"t-{Guid.NewGuid():N}"[..12];
        await admin.CreateTenantAsync(new CreateTenantRequest { Tenant = tenant, Name = "测试专用市", Issuer = "测试专用市法治办", DocumentPrefix = "测专法办", Recipients = "各县（区）", PublishScores = publishScores }, op);
        await admin.AddCountyAsync(new AddCountyRequest { Tenant = tenant, County = "c1", Name = "甲县" }, op);
        var units = new Dictionary<string, string>();
        foreach (var (id, name) in new[] { ("u1", "司法局"), ("u2", "二号单位"), ("u3", "三号单位") })
        {
            await admin.AddUnitAsync(new AddUnitRequest { Tenant = tenant, County = "c1", Unit = id, Name = name }, op);
            units[id] = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "unit", County = "c1", Unit = id, Name = "测试" + name }, op)).Key;
        }

        var assessor = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "assessor", Name = "测试考核办" }, op)).Key;
        var county = (await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = tenant, Role = "county", County = "c1", Name = "测试甲县" }, op)).Key;
        var created = new TestTenant(tenant, assessor, county, units);
        await created.OpenRoundAsync(server, year);
        return created;
    }

    /// <summary>Defines and opens the round of a year.</summary>
    public async Task OpenRoundAsync(ServerProcess server, int year)
    {
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        await rounds.DefineRoundAsync(new DefineRoundRequest { Year = year, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }, As(Assessor));
        await rounds.OpenRoundAsync(new RoundTransitionRequest { Year = year }, As(Assessor));
    }

    /// <summary>上报, 审核通过, 截止: everything a round needs before it may be published.</summary>
    public async Task ReviewAndCloseAsync(ServerProcess server, int year)
    {
        var rounds = new AssessmentService.AssessmentServiceClient(server.Channel);
        await rounds.SubmitForReviewAsync(new CountyTransitionRequest { Year = year }, As(County));
        await rounds.ApproveCountyAsync(new CountyTransitionRequest { Year = year, County = "c1" }, As(Assessor));
        await rounds.CloseRoundAsync(new RoundTransitionRequest { Year = year }, As(Assessor));
    }
}

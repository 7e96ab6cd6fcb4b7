using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The 考核组 member (role member): enters the 考核组's scores — the 细则's lines on assessor-entered scores — and
/// nothing else of the assessor's: not another assessor-entered figure, not 退回 or 审核通过, not the county's page.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class PanelMemberTests(PlatformFixture platform)
{
    private const int Year = 2025;

    [Fact]
    public async Task A_member_enters_the_panels_scores_and_is_refused_everything_else_of_the_assessors_with_nothing_stored()
    {
        var tenant = await TestTenant.CreateAsync(platform.Server, Year);
        var op = As(platform.Server.OperatorKey());
        var issued = await new AdminService.AdminServiceClient(platform.Server.Channel).IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = tenant.Id, Role = "member", Name = "考核组成员甲" }, op);
        Assert.Equal("member", issued.Credential.Role);
        var member = As(issued.Key);
        var rounds = new AssessmentService.AssessmentServiceClient(platform.Server.Channel);
        Assert.Equal("member", (await new AccountService.AccountServiceClient(platform.Server.Channel).WhoAmIAsync(new WhoAmIRequest(), member)).Role);

        EnterAssessorValuesRequest Entry(params (string Code, double Value)[] values)
        {
            var request = new EnterAssessorValuesRequest { Year = Year, County = "c1", SubmissionId = Guid.NewGuid().ToString(), Reason = "考核组实地评分" };
            request.Values.Add(values.Select(v => new IndicatorValue { Code = v.Code, Value = v.Value }));
            return request;
        }

        var scored = await rounds.EnterAssessorValuesAsync(Entry(("satisfaction.survey_score", 86)), member);

        // Another assessor-entered figure (an event the assessor finds), alone or beside a panel score, or a code nobody has.
        foreach (var values in new[]
                 {
                     new[] { ("decision.unreviewed_issued", 1.0) },
                     [("satisfaction.survey_score", 90.0), ("decision.unreviewed_issued", 1.0)],
                     [("legalaid.cases", 3.0)],
                     [("no.such_code", 1.0)],
                 })
        {
            await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => rounds.EnterAssessorValuesAsync(Entry(values), member).ResponseAsync);
        }

        await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => rounds.ReturnCountyAsync(
            new CountyTransitionRequest { Year = Year, County = "c1", Reason = "考核组成员不能退回", RequestId = Guid.NewGuid().ToString() }, member).ResponseAsync);
        await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => rounds.ApproveCountyAsync(
            new CountyTransitionRequest { Year = Year, County = "c1", RequestId = Guid.NewGuid().ToString() }, member).ResponseAsync);
        await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, member).ResponseAsync);
        await Refusals.ExpectAsync(StatusCode.PermissionDenied, null, () => rounds.GetRankingAsync(new GetRankingRequest { Year = Year }, member).ResponseAsync);

        // What the assessor reads: the member's score, entered in the member's name, and nothing of the refused ones.
        var county = await rounds.GetCountyAsync(new GetCountyRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Equal(86, Assert.Single(county.Values, v => v.Code == "satisfaction.survey_score").Value);
        Assert.DoesNotContain(county.Values, v => v.Code == "decision.unreviewed_issued" && v.Value != 0);
        var trail = await rounds.ListAuditAsync(new ListAuditRequest { Year = Year, County = "c1" }, As(tenant.Assessor));
        Assert.Contains(trail.Entries, e => e.Body.Contains("考核组成员甲", StringComparison.Ordinal));
        Assert.True(scored.MayEnterAssessorValues);
        Assert.False(scored.MayReturn || scored.MayApprove || scored.MayAdjust);
        // The answer tells the member no more of the county than the 考核组评分表 does.
        Assert.Equal(("", 0, null, null), (scored.ReturnReason, scored.Adjustments.Count, scored.Completeness, scored.AuditHead));
    }
}

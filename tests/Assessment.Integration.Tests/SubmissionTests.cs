using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

[Collection(PlatformCollection.Name)]
public sealed class SubmissionTests(PlatformFixture platform)
{
    private SubmissionService.SubmissionServiceClient Submissions => new(platform.Server.Channel);

    private AssessmentService.AssessmentServiceClient Assessment => new(platform.Server.Channel);

    private static SubmitIndicatorsRequest Request(params (string Code, double? Value)[] values)
    {
        var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
        foreach (var (code, value) in values)
        {
            var item = new IndicatorValue { Code = code };
            if (value is { } v)
            {
                item.Value = v;
            }

            request.Values.Add(item);
        }

        return request;
    }

    private async Task<double> CountyValue(string county, string code)
    {
        var response = await Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = county }, As(platform.Keys["assessor"]));
        return response.Values.SingleOrDefault(v => v.Code == code)?.Value ?? 0;
    }

    [Fact]
    public async Task A_submission_answers_with_an_import_summary_and_reaches_the_county_score()
    {
        var key = platform.Keys["gamma/u1"];
        var response = await Submissions.SubmitIndicatorsAsync(Request(("mediation.disputes_received", 20), ("mediation.disputes_resolved", 19), ("legalaid.cases", null)), As(key));

        Assert.Equal(1, response.Version);
        Assert.Equal(2, response.Accepted);
        Assert.Equal(1, response.Unchanged); // "not reported" for a code never reported changes nothing
        var county = await Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "gamma" }, As(platform.Keys["assessor"]));
        Assert.Equal(20, county.Values.Single(v => v.Code == "mediation.disputes_received").Value);
        var line = county.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "mediation.success_rate");
        Assert.Equal(95, line.Value);
        Assert.Equal("调解成功率 95%（19/20），按 90%→98% 线性计分，得 1.88/3 分", line.Explanation);

        // The rate itself is the platform's: sending it is refused, naming the parts to send instead, and nothing changes.
        var refused = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(Request(("mediation.success_rate", 99)), As(key)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var violation = refused.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Single();
        Assert.Equal("values[0].code", violation.Field);
        Assert.Contains("调解成功率", violation.Description, StringComparison.Ordinal);
        Assert.Contains("受理", violation.Description, StringComparison.Ordinal);
        county = await Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "gamma" }, As(platform.Keys["assessor"]));
        Assert.Empty(county.Warnings);
        Assert.Equal(95, county.Dimensions.SelectMany(d => d.Lines).Single(l => l.Indicator == "mediation.success_rate").Value);
    }

    [Fact]
    public async Task Retrying_a_submission_id_never_double_counts_and_a_different_payload_is_already_exists()
    {
        var key = platform.Keys["alpha/u3"];
        var before = await CountyValue("alpha", "legalaid.consultations");
        var request = Request(("legalaid.consultations", 7));
        var first = await Submissions.SubmitIndicatorsAsync(request, As(key));
        var retry = await Submissions.SubmitIndicatorsAsync(request, As(key));

        Assert.Equal(first.Version, retry.Version);
        Assert.True(retry.Replayed);
        Assert.Equal(before + 7, await CountyValue("alpha", "legalaid.consultations"));

        var changed = request.Clone();
        changed.Values[0].Value = 8;
        var ex = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(changed, As(key)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Equal(before + 7, await CountyValue("alpha", "legalaid.consultations"));
    }

    [Fact]
    public async Task Bad_values_get_invalid_argument_with_a_field_violation_per_value_and_nothing_is_stored()
    {
        var key = platform.Keys["alpha/u4"];
        await Submissions.SubmitIndicatorsAsync(Request(("enforce.issues_found", 3)), As(key));
        var before = await Submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(key));

        var bad = Request(
            ("enforce.issues_found", 5),
            ("legalaid.cases", -2),
            ("mediation.mediators", double.NaN),
            ("nope.unknown", 1),
            ("enforce.issues_found", 6),
            ("enforce.issues_rectified", 9));
        var ex = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(bad, As(key)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violations = ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations;
        Assert.Equal(["values[1].value", "values[2].value", "values[3].code", "values[4].code", "values[5].value"], violations.Select(v => v.Field));
        Assert.All(violations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        var after = await Submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(key));
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(3, after.Values.Single(v => v.Code == "enforce.issues_found").Value);
    }

    [Fact]
    public async Task A_submission_id_must_be_a_uuid()
    {
        var request = Request(("legalaid.cases", 1));
        request.SubmissionId = "not-a-uuid";
        var ex = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(request, As(platform.Keys["alpha/u5"])).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("submission_id", ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Single().Field);
    }

    [Fact]
    public async Task Calls_without_a_valid_key_or_outside_the_role_are_refused()
    {
        var none = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(Request(("legalaid.cases", 1))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("API 密钥", none.Status.Detail, StringComparison.Ordinal);
        var forged = await Assert.ThrowsAsync<RpcException>(() => Submissions.SubmitIndicatorsAsync(Request(("legalaid.cases", 1)), As("ak_" + new string('a', 52))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
        var unitRanking = await Assert.ThrowsAsync<RpcException>(() => Assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(platform.Keys["alpha/u1"])).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, unitRanking.StatusCode);
        Assert.Equal("该凭据无权执行此操作。", unitRanking.Status.Detail);
        var otherCounty = await Assert.ThrowsAsync<RpcException>(() => Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "beta" }, As(platform.Keys["alpha"])).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, otherCounty.StatusCode);
    }

    [Fact]
    public async Task The_ranking_shares_ranks_and_the_health_service_serves()
    {
        var ranking = await Assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(platform.Keys["assessor"]));
        Assert.Equal(3, ranking.Entries.Count);
        Assert.Equal(9, ranking.Dimensions.Count);
        Assert.Equal(ranking.Entries.OrderByDescending(e => e.Total).Select(e => e.County), ranking.Entries.Select(e => e.County));

        var health = new Grpc.Health.V1.Health.HealthClient(platform.Server.Channel);
        var status = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }
}

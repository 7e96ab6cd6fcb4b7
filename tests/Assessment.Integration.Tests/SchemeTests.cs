using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

[Collection(PlatformCollection.Name)]
public sealed class SchemeTests(PlatformFixture platform)
{
    private const string Draft = """
        code: draft
        version: 3
        name: 试算细则
        dimensions:
          - code: satisfaction
            name: 群众满意度
            weight: 100
            lines:
              - { indicator: satisfaction.survey_score, points: 100, rule: linear, lo: 60, hi: 100 }
        grades:
          bands:
            - { label: 优秀, min: 90 }
            - { label: 合格, min: 60 }
            - { label: 不合格, min: 0 }
        """;

    private AssessmentService.AssessmentServiceClient Assessment => new(platform.Server.Channel);

    [Fact]
    public async Task A_draft_scheme_is_simulated_over_grpc_and_the_pinned_ranking_is_untouched()
    {
        var before = await Assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(platform.Keys["assessor"]));
        var result = await Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = Draft }, As(platform.Keys["assessor"]));

        Assert.Equal("draft@3", result.Draft.Scheme);
        Assert.Equal(75, result.Draft.Entries.Single(e => e.County == "alpha").Total); // 90 on 60→100
        Assert.Equal(3, result.GradeCounts.Sum(g => g.Count));
        Assert.NotEmpty(result.Moved);
        var after = await Assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(platform.Keys["assessor"]));
        Assert.Equal(before.Scheme, after.Scheme);
        Assert.Equal(before.Entries.Select(e => e.Total), after.Entries.Select(e => e.Total));
    }

    [Fact]
    public async Task An_invalid_draft_is_rejected_with_the_offending_field_and_units_may_not_simulate()
    {
        var broken = Draft.Replace("weight: 100", "weight: 90", StringComparison.Ordinal);
        var ex = await Assert.ThrowsAsync<RpcException>(() => Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = broken }, As(platform.Keys["assessor"])).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Description.Contains("dimensions[0].weight", StringComparison.Ordinal));

        var denied = await Assert.ThrowsAsync<RpcException>(() => Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = Draft }, As(platform.Keys["alpha/u1"])).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}

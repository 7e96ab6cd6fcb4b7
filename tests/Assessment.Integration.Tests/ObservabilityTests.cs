using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

[Collection(PlatformCollection.Name)]
public sealed class ObservabilityTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_scrape_endpoint_counts_submissions_by_outcome_and_readiness_reports_healthy()
    {
        var client = new SubmissionService.SubmissionServiceClient(platform.Server.Channel);
        var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
        request.Values.Add(new IndicatorValue { Code = "legalaid.notarizations", Value = 3 });
        await client.SubmitIndicatorsAsync(request, As(platform.Keys["beta/u4"]));
        var bad = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
        bad.Values.Add(new IndicatorValue { Code = "legalaid.notarizations", Value = -3 });
        await Assert.ThrowsAsync<RpcException>(() => client.SubmitIndicatorsAsync(bad, As(platform.Keys["beta/u4"])).ResponseAsync);
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).GetRankingAsync(new GetRankingRequest { Year = 2024 }, As(platform.Keys["assessor"]));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };
        string metrics = "";
        for (var attempt = 0; attempt < 20 && !metrics.Contains("assessment_ranking_duration", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 500); // the exporter caches a scrape briefly
            metrics = await http.GetStringAsync("/metrics");
        }

        Assert.Contains("assessment_submissions_total{otel_scope_name=\"Assessment\",outcome=\"accepted\"", metrics, StringComparison.Ordinal);
        Assert.Contains("outcome=\"rejected\",reason=\"validation\"", metrics, StringComparison.Ordinal);
        Assert.Contains("assessment_ranking_duration", metrics, StringComparison.Ordinal);
        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));
    }
}

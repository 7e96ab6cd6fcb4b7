using System.Text.Json;
using System.Text.RegularExpressions;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using YamlDotNet.RepresentationModel;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The dashboard and alert rules in k8s/monitoring name only metrics the server exports: after the kinds of traffic
/// they watch (submissions, a ranking, a refused call, a failed key, a PDF), every metric they query is on /metrics.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class MonitoringTests(PlatformFixture platform)
{
    /// <summary>A metric selector in PromQL: a name followed by its label matchers (the files always write them).</summary>
    [GeneratedRegex(@"\b([a-z_][a-z0-9_]*)\{")]
    private static partial Regex Selector();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex Exported();

    private static IEnumerable<(string Where, string Expr)> Queries()
    {
        var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFile("k8s", "monitoring", "assessment-dashboard.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                yield return ($"dashboard: {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString()!);
            }
        }

        var rules = new YamlStream();
        rules.Load(new StringReader(File.ReadAllText(RepositoryFile("k8s", "monitoring", "alerts.yaml"))));
        var groups = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)rules.Documents[0].RootNode)["spec"])["groups"];
        foreach (var rule in groups.Children.SelectMany(g => ((YamlSequenceNode)((YamlMappingNode)g)["rules"]).Children).Cast<YamlMappingNode>())
        {
            yield return ($"alert: {rule["alert"]}", ((YamlScalarNode)rule["expr"]).Value!);
        }
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alerts_query_is_exported()
    {
        var queries = Queries().ToList();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries");
        var wanted = new Dictionary<string, string>();
        foreach (var (where, expr) in queries)
        {
            var names = Selector().Matches(expr).Select(m => m.Groups[1].Value).ToList();
            Assert.True(names.Count > 0, $"{where} names no metric: {expr}");
            // "up" is Prometheus' own (whether a scrape answered), not the server's.
            names.Where(n => n != "up").ToList().ForEach(n => wanted.TryAdd(n, where));
        }

        // The traffic they watch.
        var tenant = await TestTenant.CreateAsync(platform.Server, 2025);
        var submissions = new SubmissionService.SubmissionServiceClient(platform.Server.Channel);
        await submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest
        {
            Year = 2025,
            SubmissionId = Guid.NewGuid().ToString(),
            Values = { new IndicatorValue { Code = "legalaid.cases", Value = 7 } },
        }, As(tenant.Units["u1"]));
        await Assert.ThrowsAsync<RpcException>(() => submissions.SubmitIndicatorsAsync(new SubmitIndicatorsRequest { Year = 1900, SubmissionId = Guid.NewGuid().ToString() }, As(tenant.Units["u1"])).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => submissions.GetFormAsync(new GetFormRequest { Year = 2024 }, As("ak_" + new string('q', 52))).ResponseAsync);
        await new AssessmentService.AssessmentServiceClient(platform.Server.Channel).GetRankingAsync(new GetRankingRequest { Year = 2025 }, As(tenant.Assessor));
        using (var pdf = new BulletinService.BulletinServiceClient(platform.Server.Channel).Download(new DownloadBulletinRequest { Year = 2025, Format = BulletinFormat.Pdf }, As(tenant.Assessor, 120)))
        {
            while (await pdf.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }

        using var http = new HttpClient();
        var missing = wanted.Keys.ToList();
        for (var attempt = 0; attempt < 20 && missing.Count > 0; attempt++)
        {
            await Task.Delay(500); // metrics are collected, not pushed
            var text = await http.GetStringAsync($"http://127.0.0.1:{platform.Server.Config.WebPort}/metrics");
            var exported = Exported().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            missing = wanted.Keys.Where(n => !exported.Contains(n)).ToList();
        }

        Assert.True(missing.Count == 0, "not exported: " + string.Join(", ", missing.Select(n => $"{n} ({wanted[n]})")));
    }
}

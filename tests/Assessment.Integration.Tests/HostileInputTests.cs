using System.IO.Compression;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// A corpus of hostile requests against the live server: each gets its precise status (and field path), and nothing
/// the tenant has stored changes.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HostileInputTests(PlatformFixture platform)
{
    private sealed record Case(string Name, StatusCode Expected, string? Field, Func<Task> Call);

    private SubmissionService.SubmissionServiceClient Submissions => new(platform.Server.Channel);

    private AssessmentService.AssessmentServiceClient Assessment => new(platform.Server.Channel);

    private CallOptions Unit => As(platform.Keys["gamma/u1"]);

    private CallOptions Assessor => As(platform.Keys["assessor"]);

    private static SubmitIndicatorsRequest Submit(params IndicatorValue[] values) =>
        new() { SubmissionId = Guid.NewGuid().ToString(), Year = 2024, Values = { values } };

    private static IndicatorValue V(string code, double value, string note = "") => new() { Code = code, Value = value, Note = note };

    private async Task<string> StateAsync()
    {
        var mine = await Submissions.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, Unit);
        var county = await Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "gamma" }, Assessor);
        var ranking = await Assessment.GetRankingAsync(new GetRankingRequest { Year = 2024 }, Assessor);
        var tenant = await new AdminService.AdminServiceClient(platform.Server.Channel).GetTenantAsync(new GetTenantRequest { Tenant = "itest" }, As(OperatorKey));
        return string.Join('\n', mine.Version, mine.Values, county.Values, county.Units, string.Join(',', ranking.Entries.Select(e => $"{e.County}:{e.Total}")), tenant);
    }

    private string OperatorKey => platform.Server.OperatorKey();

    [Fact]
    public async Task Every_hostile_request_gets_its_precise_status_and_changes_nothing()
    {
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var tenantAdmin = As((await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "tenant_admin", Name = "语料测试" }, As(OperatorKey))).Key);
        var before = await StateAsync();
        var many = Enumerable.Range(0, 501).Select(i => V("legalaid.cases", i)).ToArray();

        Case[] corpus =
        [
            new("negative count", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", -1)), Unit).ResponseAsync),
            new("fractional count", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 2.5)), Unit).ResponseAsync),
            new("count above the maximum", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 2e9)), Unit).ResponseAsync),
            new("NaN", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", double.NaN)), Unit).ResponseAsync),
            new("+Infinity", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", double.PositiveInfinity)), Unit).ResponseAsync),
            new("-Infinity amount", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("mediation.amount_10k_yuan", double.NegativeInfinity)), Unit).ResponseAsync),
            new("negative amount", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("mediation.amount_10k_yuan", -0.5)), Unit).ResponseAsync),
            new("reported rate above 100", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("service.satisfaction_rate", 150)), Unit).ResponseAsync),
            new("reported rate below 0", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("service.satisfaction_rate", -1)), Unit).ResponseAsync),
            new("a rate the platform computes", StatusCode.InvalidArgument, "values[0].code", () => Submissions.SubmitIndicatorsAsync(Submit(V("mediation.success_rate", 95)), Unit).ResponseAsync),
            new("an amount with a third decimal", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("mediation.amount_10k_yuan", 1_000_000.0004)), Unit).ResponseAsync),
            new("numerator above its denominator", StatusCode.InvalidArgument, "values[0].value", () => Submissions.SubmitIndicatorsAsync(Submit(V("mediation.disputes_resolved", 9), V("mediation.disputes_received", 3)), Unit).ResponseAsync),
            new("unknown code", StatusCode.InvalidArgument, "values[0].code", () => Submissions.SubmitIndicatorsAsync(Submit(V("no.such_code", 1)), Unit).ResponseAsync),
            new("empty code", StatusCode.InvalidArgument, "values[0].code", () => Submissions.SubmitIndicatorsAsync(Submit(V("", 1)), Unit).ResponseAsync),
            new("duplicate code", StatusCode.InvalidArgument, "values[1].code", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1), V("legalaid.cases", 2)), Unit).ResponseAsync),
            new("a county indicator from a unit", StatusCode.InvalidArgument, "values[0].code", () => Submissions.SubmitIndicatorsAsync(Submit(V("org.leading_group", 1)), Unit).ResponseAsync),
            new("no values", StatusCode.InvalidArgument, "values", () => Submissions.SubmitIndicatorsAsync(Submit(), Unit).ResponseAsync),
            new("501 values", StatusCode.InvalidArgument, "values", () => Submissions.SubmitIndicatorsAsync(Submit(many), Unit).ResponseAsync),
            new("note of 2,001 characters", StatusCode.InvalidArgument, "values[0].note", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1, new string('注', 2001))), Unit).ResponseAsync),
            new("submission_id not a UUID", StatusCode.InvalidArgument, "submission_id", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1)).With(r => r.SubmissionId = "'; DROP TABLE x; --"), Unit).ResponseAsync),
            new("submission_id all zeros", StatusCode.InvalidArgument, "submission_id", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1)).With(r => r.SubmissionId = Guid.Empty.ToString()), Unit).ResponseAsync),
            new("year out of range", StatusCode.InvalidArgument, "year", () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1)).With(r => r.Year = 1999), Unit).ResponseAsync),
            new("path in a county slug", StatusCode.InvalidArgument, "county", () => Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "../beta" }, Assessor).ResponseAsync),
            new("upper case county slug", StatusCode.InvalidArgument, "county", () => admin.AddCountyAsync(new AddCountyRequest { County = "Alpha", Name = "甲" }, tenantAdmin).ResponseAsync),
            new("markup in a name", StatusCode.InvalidArgument, "name", () => admin.AddCountyAsync(new AddCountyRequest { County = "delta", Name = "<script>alert(1)</script>县" }, tenantAdmin).ResponseAsync),
            new("bidi override in a name", StatusCode.InvalidArgument, "name", () => admin.AddUnitAsync(new AddUnitRequest { County = "alpha", Unit = "u9", Name = "单位\u202Egnp.exe" }, tenantAdmin).ResponseAsync),
            new("control character in a name", StatusCode.InvalidArgument, "name", () => admin.AddUnitAsync(new AddUnitRequest { County = "alpha", Unit = "u9", Name = "单位\u0007" }, tenantAdmin).ResponseAsync),
            new("name of 65 characters", StatusCode.InvalidArgument, "name", () => admin.AddUnitAsync(new AddUnitRequest { County = "alpha", Unit = "u9", Name = new string('名', 65) }, tenantAdmin).ResponseAsync),
            new("blank name", StatusCode.InvalidArgument, "name", () => admin.AddUnitAsync(new AddUnitRequest { County = "alpha", Unit = "u9", Name = " \t" }, tenantAdmin).ResponseAsync),
            new("forged page token", StatusCode.InvalidArgument, "page_token", () => Assessment.ListAuditAsync(new ListAuditRequest { Year = 2024, County = "gamma", PageToken = "-5" }, Assessor).ResponseAsync),
            new("report text too long", StatusCode.InvalidArgument, "text", () => Submissions.ExtractReportAsync(new ExtractReportRequest { Text = new string('a', 80_001) }, Unit).ResponseAsync),
            new("scheme file too large", StatusCode.InvalidArgument, "scheme_yaml", () => Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = "#" + new string('x', 200 * 1024) }, Assessor).ResponseAsync),
            new("oversized message", StatusCode.ResourceExhausted, null, () => Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1, new string('a', 300 * 1024))), Unit).ResponseAsync),
            new("gzip bomb", StatusCode.ResourceExhausted, null, () => GzipBombAsync()),
            // grpc-dotnet refuses it while deserializing, before any interceptor can map it: UNKNOWN with its generic text.
            new("invalid UTF-8 in a string", StatusCode.Unknown, null, () => InvalidUtf8Async()),
            // Template syntax and markup in a note are only text: a dry run accepts them as they are and stores nothing.
            new("template syntax and markup in a note (dry run)", StatusCode.OK, null, async () =>
            {
                var note = "{{ 7*7 }}<script>alert(1)</script>{% include 'x' %}";
                var r = await Submissions.SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1, note)).With(r => r.DryRun = true), Unit);
                Assert.True(r.DryRun);
            }),
        ];
        Assert.True(corpus.Length >= 26);

        var failures = new List<string>();
        foreach (var c in corpus)
        {
            try
            {
                await c.Call();
                if (c.Expected != StatusCode.OK)
                {
                    failures.Add($"{c.Name}: expected {c.Expected}, got OK");
                }
            }
            catch (RpcException ex)
            {
                var fields = ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];
                if (ex.StatusCode != c.Expected || (c.Field is not null && !fields.Contains(c.Field)))
                {
                    failures.Add($"{c.Name}: expected {c.Expected} {c.Field}, got {ex.StatusCode} [{string.Join(", ", fields)}] {ex.Status.Detail}");
                }

                if (new[] { "Npgsql", "Orleans", " at ", "System." }.Any(s => ex.Status.Detail.Contains(s, StringComparison.Ordinal)))
                {
                    failures.Add($"{c.Name}: the answer names internals: {ex.Status.Detail}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(before, await StateAsync());
        Assert.True(platform.Server.IsRunning);
    }

    /// <summary>A small compressed message that inflates past the receive limit.</summary>
    private async Task GzipBombAsync()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{platform.Server.Config.GrpcPort}", new GrpcChannelOptions
        {
            CompressionProviders = [new GzipCompressionProvider(CompressionLevel.Optimal)],
        });
        var options = Unit.WithHeaders(new Metadata { { "authorization", "Bearer " + platform.Keys["gamma/u1"] }, { "grpc-internal-encoding-request", "gzip" } });
        await new SubmissionService.SubmissionServiceClient(channel).SubmitIndicatorsAsync(Submit(V("legalaid.cases", 1, new string('0', 8 * 1024 * 1024))), options);
    }

    /// <summary>A well-framed message whose code field is not UTF-8.</summary>
    private async Task InvalidUtf8Async()
    {
        var bytes = Submit(V("legalaid.cases", 1)).ToByteArray();
        var at = bytes.AsSpan().IndexOf("legalaid"u8);
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xFE;
        var raw = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "assessment.v1.SubmissionService", "SubmitIndicators", raw, raw);
        await platform.Server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, Unit, bytes).ResponseAsync;
    }
}

internal static class MessageExtensions
{
    public static T With<T>(this T message, Action<T> change)
    {
        change(message);
        return message;
    }
}

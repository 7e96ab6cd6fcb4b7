using System.Diagnostics;
using System.Text;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// Requests that once ended the process, answered INTERNAL, or applied twice — against the live shared server. Each
/// gets its precise status and field path, and the server process is the same one afterwards.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HardeningTests(PlatformFixture platform)
{
    private AssessmentService.AssessmentServiceClient Assessment => new(platform.Server.Channel);

    private AdminService.AdminServiceClient Admin => new(platform.Server.Channel);

    private CallOptions Assessor => As(platform.Keys["assessor"]);

    private static Task<RpcException> Refused(StatusCode code, string? field, Func<Task> call) => Refusals.ExpectAsync(code, field, call);

    [Fact]
    public async Task Hostile_schemes_are_refused_by_their_limits_quickly_and_the_process_lives_on()
    {
        var pid = platform.Server.ProcessId;
        var deep = "code: x\nversion: 1\nname: x\ndimensions: " + new string('[', 60_000) + new string(']', 60_000);
        var laughs = new StringBuilder("code: x\nversion: 1\nname: x\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            laughs.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        foreach (var (yaml, limit) in new[] { (deep, "嵌套"), (laughs.ToString(), "锚点") })
        {
            var started = Stopwatch.GetTimestamp();
            var ex = await Refused(StatusCode.InvalidArgument, "scheme_yaml", () =>
                Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = yaml }, Assessor).ResponseAsync);
            Assert.Contains(limit, ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Description, StringComparison.Ordinal);
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5)); // a refusal, not a computation
        }

        Assert.True(platform.Server.IsRunning);
        Assert.Equal(pid, platform.Server.ProcessId);
        Assert.Equal("SERVING", HealthCheckResponseStatus());
    }

    [Fact]
    public async Task Generated_anchor_alias_and_merge_key_schemes_are_invalid_arguments_on_every_scheme_path()
    {
        // The shapes that built self-containing nodes (an anchor redefined, an alias to its own collection, merge keys)
        // through the three RPCs that take a scheme; each must be a refusal of scheme_yaml and the process unharmed.
        var pid = platform.Server.ProcessId;
        string[] words = ["锚点", "别名", "合并键", "YAML 格式错误", "映射的键"];
        foreach (var seed in Enumerable.Range(1, 30))
        {
            var yaml = Domain.Tests.HostileYaml.Document(seed, "code: x\nversion: 1\nname: 细则\n", "dimensions");
            Func<Task> call = (seed % 3) switch
            {
                0 => () => Assessment.SimulateSchemeAsync(new SimulateSchemeRequest { Year = 2024, SchemeYaml = yaml }, Assessor).ResponseAsync,
                1 => () => Assessment.DefineRoundAsync(new DefineRoundRequest
                {
                    Year = 2033, SchemeYaml = yaml, SubmissionDeadline = new Timestamp { Seconds = 2_100_000_000 }, RequestId = Guid.NewGuid().ToString(),
                }, Assessor).ResponseAsync,
                _ => () => Assessment.RepinSchemeAsync(new RepinSchemeRequest { Year = 2024, SchemeYaml = yaml, Reason = "加固测试", RequestId = Guid.NewGuid().ToString() }, Assessor).ResponseAsync,
            };
            var ex = await Refused(StatusCode.InvalidArgument, "scheme_yaml", call);
            var description = ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Description;
            Assert.True(words.Any(w => description.Contains(w, StringComparison.Ordinal)), $"seed {seed}: {description}");
        }

        Assert.Equal(pid, platform.Server.ProcessId);
        Assert.Equal("SERVING", HealthCheckResponseStatus());
    }

    [Fact]
    public async Task Every_write_that_names_itself_is_refused_without_its_request_id_and_changes_nothing()
    {
        // Generated from the protos: every unary RPC whose request has a request_id, sent without one (the rest of the
        // request empty) by a principal its roles admit, is never OK. A valid write without an id is INVALID_ARGUMENT on
        // request_id and stores nothing.
        var raw = Marshallers.Create<byte[]>(b => b, b => b);
        var invoker = platform.Server.Channel.CreateCallInvoker();
        var operatorKey = As(platform.Server.OperatorKey());
        var checkedMethods = 0;
        foreach (var service in new[] { AssessmentService.Descriptor, BulletinService.Descriptor, AdminService.Descriptor })
        {
            foreach (var m in service.Methods.Where(m => !m.IsClientStreaming && !m.IsServerStreaming && m.InputType.FindFieldByName("request_id") is not null))
            {
                var method = new Method<byte[], byte[]>(MethodType.Unary, service.FullName, m.Name, raw, raw);
                var key = service == AdminService.Descriptor ? operatorKey : Assessor;
                var ex = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, key, []).ResponseAsync);
                Assert.True(ex.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.FailedPrecondition or StatusCode.NotFound,
                    $"{m.FullName}: {ex.StatusCode} {ex.Status.Detail}");
                checkedMethods++;
            }
        }

        Assert.True(checkedMethods >= 15, $"{checkedMethods} methods");
        var tenant = $"noid{Guid.NewGuid():N}"[..12];
        var refused = await Refused(StatusCode.InvalidArgument, "request_id", () => new AdminService.AdminServiceClient(platform.Server.Channel.Raw).CreateTenantAsync(
            new CreateTenantRequest { Tenant = tenant, Name = "无编号市", Issuer = "无编号市法治办", DocumentPrefix = "无", Recipients = "各县" }, operatorKey).ResponseAsync);
        Assert.Contains("request_id", refused.Status.Detail + refused.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Description, StringComparison.Ordinal);
        await Refused(StatusCode.NotFound, null, () => Admin.GetTenantAsync(new GetTenantRequest { Tenant = tenant }, operatorKey).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "request_id", () => new AssessmentService.AssessmentServiceClient(platform.Server.Channel.Raw).DefineRoundAsync(
            new DefineRoundRequest { Year = 2036, SubmissionDeadline = new Timestamp { Seconds = 2_200_000_000 } }, Assessor).ResponseAsync);
        await Refused(StatusCode.FailedPrecondition, null, () => Assessment.GetRoundAsync(new GetRoundRequest { Year = 2036 }, Assessor).ResponseAsync); // never defined
    }

    private string HealthCheckResponseStatus() =>
        new Grpc.Health.V1.Health.HealthClient(platform.Server.Channel).Check(new Grpc.Health.V1.HealthCheckRequest()).Status.ToString().ToUpperInvariant();

    [Fact]
    public async Task Out_of_range_timestamps_slugs_with_line_breaks_and_overlong_names_are_invalid_arguments()
    {
        var tenantAdmin = As((await Admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "tenant_admin", Name = "加固测试" }, As(platform.Server.OperatorKey()))).Key);
        var year10000 = new Timestamp { Seconds = 253_402_300_800 };
        await Refused(StatusCode.InvalidArgument, "expires_at", () => Admin.IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = "itest", Role = "leader", Name = "领导", ExpiresAt = year10000 }, tenantAdmin).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "expires_at", () => Admin.IssueCredentialAsync(
            new IssueCredentialRequest { Tenant = "itest", Role = "leader", Name = "领导", ExpiresAt = new Timestamp { Seconds = -62_135_596_801 } }, tenantAdmin).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "submission_deadline", () => Assessment.DefineRoundAsync(
            new DefineRoundRequest { Year = 2031, SubmissionDeadline = new Timestamp { Seconds = 2_000_000_000, Nanos = -1 } }, Assessor).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "review_deadline", () => Assessment.DefineRoundAsync(
            new DefineRoundRequest { Year = 2031, SubmissionDeadline = new Timestamp { Seconds = 2_000_000_000 }, ReviewDeadline = year10000 }, Assessor).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "until", () => Assessment.ExtendDeadlineAsync(
            new ExtendDeadlineRequest { Year = 2024, County = "gamma", Reason = "延期", Until = new Timestamp { Seconds = 2_000_000_000, Nanos = 1_000_000_000 } }, Assessor).ResponseAsync);

        await Refused(StatusCode.InvalidArgument, "county", () => Assessment.GetCountyAsync(new GetCountyRequest { Year = 2024, County = "gamma\n" }, Assessor).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "county", () => Admin.AddCountyAsync(new AddCountyRequest { County = "suo\n", Name = "索县" }, tenantAdmin).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "tenant", () => Admin.CreateTenantAsync(
            new CreateTenantRequest { Tenant = "x\n", Name = "某市", Issuer = "某办", DocumentPrefix = "某", Recipients = "各县" }, As(platform.Server.OperatorKey())).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "name", () => Admin.AddCountyAsync(new AddCountyRequest { County = "zeta", Name = "a" + new string('\u0301', 10_000) }, tenantAdmin).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "reason", () => Assessment.ReturnCountyAsync(
            new CountyTransitionRequest { Year = 2024, County = "gamma", Reason = "理由\u202Eexe.txt" }, Assessor).ResponseAsync);
        Assert.True(platform.Server.IsRunning);
    }

    [Fact]
    public async Task Five_hundred_bad_values_reach_a_default_client_as_invalid_argument_with_a_bounded_trailer()
    {
        var request = new SubmitIndicatorsRequest { SubmissionId = Guid.NewGuid().ToString(), Year = 2024 };
        request.Values.AddRange(Enumerable.Range(0, 500).Select(i => new IndicatorValue { Code = "legalaid.cases", Value = -1 - i, Note = "注" }));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{platform.Server.Config.GrpcPort}");
        var ex = await Refused(StatusCode.InvalidArgument, "values[0].value", () =>
            new SubmissionService.SubmissionServiceClient(channel).SubmitIndicatorsAsync(request, As(platform.Keys["gamma/u1"])).ResponseAsync);
        var status = ex.GetRpcStatus()!;
        Assert.Equal(50, status.GetDetail<BadRequest>()!.FieldViolations.Count);
        Assert.Contains("500", status.Message, StringComparison.Ordinal);
        Assert.True(Convert.ToBase64String(status.ToByteArray()).Length + Encoding.UTF8.GetByteCount(Uri.EscapeDataString(status.Message)) < 8 * 1024);
    }

    [Fact]
    public async Task A_retried_write_answers_once_and_a_reused_id_for_another_write_is_already_exists()
    {
        const int year = 2027;
        var defineId = Guid.NewGuid().ToString();
        var define = new DefineRoundRequest { Year = year, SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)), RequestId = defineId };
        var first = await Assessment.DefineRoundAsync(define, Assessor);
        var again = await Assessment.DefineRoundAsync(define, Assessor); // a retry after a lost answer
        Assert.Equal(first.ToByteArray(), again.ToByteArray());
        Assert.Equal(1, first.Version);
        await Refused(StatusCode.AlreadyExists, null, () => Assessment.DefineRoundAsync(define.Clone().With(d => d.SubmissionDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(40))), Assessor).ResponseAsync);
        await Refused(StatusCode.InvalidArgument, "request_id", () => Assessment.OpenRoundAsync(new RoundTransitionRequest { Year = year, RequestId = "not-a-uuid" }, Assessor).ResponseAsync);

        var open = new RoundTransitionRequest { Year = year, RequestId = Guid.NewGuid().ToString() };
        await Assessment.OpenRoundAsync(open, Assessor);
        Assert.Equal("open", (await Assessment.OpenRoundAsync(open, Assessor)).Phase); // replayed, not ROUND_ALREADY_OPEN
        await Assessment.SubmitForReviewAsync(new CountyTransitionRequest { Year = year, RequestId = Guid.NewGuid().ToString() }, As(platform.Keys["gamma"]));

        // The same adjustment sent three times at once and twice more after: applied exactly once, every answer the same.
        // A repeat that arrives while the first is still being applied waits for its answer (no "in progress" refusal).
        var adjust = new AdjustScoreRequest { Year = year, County = "gamma", Target = "org", Points = -2, Reason = "核查发现会议记录缺失", RequestId = Guid.NewGuid().ToString() };
        var answers = new List<Contracts.V1.CountyWorkflow>();
        foreach (var batch in new[] { 3, 1, 1 })
        {
            answers.AddRange(await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => Assessment.AdjustScoreAsync(adjust, Assessor).ResponseAsync)));
        }

        Assert.All(answers, a => Assert.Equal(answers[0].ToByteArray(), a.ToByteArray()));
        var county = await Assessment.GetCountyAsync(new GetCountyRequest { Year = year, County = "gamma" }, Assessor);
        Assert.Single(county.Workflow.Adjustments);
        Assert.Equal(answers[0].Version, county.Workflow.Version);
    }
}

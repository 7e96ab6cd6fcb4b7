using System.Net;
using System.Text;
using System.Text.Json;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The JSON routes (gRPC JSON transcoding over plain HTTP/1.1) against the live server: the same handlers as gRPC
/// (a submission made as JSON reads back over gRPC, a retry is the same answer), refusals as google.rpc.Status JSON in
/// Chinese, and hostile bodies of every class (too deep, too large, wrong kinds, repeated or unknown fields, not JSON,
/// not UTF-8, wrong media type) answered 400 with nothing stored. Also the OpenAPI document and gRPC reflection.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class JsonApiTests(PlatformFixture platform) : IDisposable
{
    private const string Unit = "beta/u3";
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.WebPort}") };

    public void Dispose() => _http.Dispose();

    private SubmissionService.SubmissionServiceClient Grpc => new(platform.Server.Channel);

    private HttpRequestMessage Post(string path, HttpContent content, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new("Bearer", key ?? platform.Keys[Unit]);
        return request;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_submission_made_as_json_is_stored_once_and_reads_back_over_grpc()
    {
        var id = Guid.NewGuid().ToString();
        string Body(int value) => $$"""{"submissionId":"{{id}}","values":[{"code":"legalaid.cases","value":{{value}},"note":"JSON 提交"}]}""";
        var body = Body(17);
        using var first = await _http.SendAsync(Post("/v1/years/2024/submissions", Json(body)));
        var firstText = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstText);
        using var retry = await _http.SendAsync(Post("/v1/years/2024/submissions", Json(body)));
        var replay = JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement;
        var version = JsonDocument.Parse(firstText).RootElement.GetProperty("version").GetInt32();
        Assert.Equal(version, replay.GetProperty("version").GetInt32());
        Assert.True(replay.GetProperty("replayed").GetBoolean());

        var mine = await Grpc.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(platform.Keys[Unit]));
        Assert.Equal(version, mine.Version);
        Assert.Equal(17, mine.Values.Single(v => v.Code == "legalaid.cases").Value);
        Assert.Equal("JSON 提交", mine.Values.Single(v => v.Code == "legalaid.cases").Note);

        // The same id with another payload is ALREADY_EXISTS (409), as over gRPC.
        using var reused = await _http.SendAsync(Post("/v1/years/2024/submissions", Json(Body(18))));
        var status = JsonDocument.Parse(await reused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        Assert.Equal((int)StatusCode.AlreadyExists, status.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_refused_value_is_a_google_rpc_status_with_the_chinese_message_and_its_field_violation()
    {
        var body = $$"""{"submissionId":"{{Guid.NewGuid()}}","values":[{"code":"mediation.success_rate","value":99}]}""";
        using var response = await _http.SendAsync(Post("/v1/years/2024/submissions", Json(body)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var ex = JsonCallInvoker.ToRpcException(await response.Content.ReadAsStringAsync());
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("未保存", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations,
            v => v.Field == "values[0].code" && v.Description.Contains("mediation.success_rate", StringComparison.Ordinal));
    }

    /// <summary>Every hostile body of every class: 400, code INVALID_ARGUMENT, a Chinese message, and the unit's figures untouched.</summary>
    [Fact]
    public async Task Hostile_json_of_every_class_is_answered_400_in_chinese_and_stores_nothing()
    {
        var before = await Grpc.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(platform.Keys[Unit]));
        var cases = HostileBodies().ToList();
        Assert.True(cases.Count > 100, $"only {cases.Count} variants");
        var failures = new List<string>();
        foreach (var (name, content) in cases)
        {
            using var response = await _http.SendAsync(Post("/v1/years/2024/submissions", content));
            var text = await response.Content.ReadAsStringAsync();
            var ok = response.StatusCode == HttpStatusCode.BadRequest
                && Try(() => JsonDocument.Parse(text).RootElement) is { } status
                && status.GetProperty("code").GetInt32() == (int)StatusCode.InvalidArgument
                && status.GetProperty("message").GetString()!.Any(c => c is >= '\u4e00' and <= '\u9fff');
            if (!ok)
            {
                failures.Add($"{name}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 200)]}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} variants wrong:\n{string.Join('\n', failures.Take(30))}");
        var after = await Grpc.GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(platform.Keys[Unit]));
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Values, after.Values);
    }

    private static T? Try<T>(Func<T> parse) where T : struct
    {
        try
        {
            return parse();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<(string Name, HttpContent Content)> HostileBodies()
    {
        var id = Guid.NewGuid().ToString();
        var valid = $$"""{"submissionId":"{{id}}","values":[{"code":"legalaid.cases","value":3}]}""";

        // Depth: arrays, objects and both, at and far beyond the limit, bare and inside a real field.
        foreach (var depth in new[] { 17, 18, 33, 100, 1_000, 10_000, 100_000 })
        {
            yield return ($"arrays {depth} deep", Json(new string('[', depth) + new string(']', depth)));
            yield return ($"objects {depth} deep", Json(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)));
            yield return ($"mixed {depth} deep", Json(string.Concat(Enumerable.Repeat("[{\"a\":", depth / 2 + 1)) + "1" + string.Concat(Enumerable.Repeat("}]", depth / 2 + 1))));
            yield return ($"in values {depth} deep", Json("{\"values\":[{\"note\":" + new string('[', depth) + new string(']', depth) + "}]}"));
        }

        // Size: past the limit, with and without a Content-Length, as padding and as one long value.
        foreach (var size in new[] { 2 * 1024 * 1024 + 64 * 1024 + 1, 3 * 1024 * 1024, 10 * 1024 * 1024 })
        {
            var padded = valid + new string(' ', size - valid.Length);
            var longValue = $$"""{"submissionId":"{{new string('x', size)}}"}""";
            yield return ($"{size} bytes of padding", Json(padded));
            yield return ($"{size} bytes in one value", Json(longValue));
            yield return ($"{size} bytes chunked", new Chunked(Encoding.UTF8.GetBytes(longValue)));
        }

        // Wrong kinds for every field of the request and of a value, generated from the message descriptors.
        foreach (var (path, field) in Fields(SubmitIndicatorsRequest.Descriptor, "").Concat(Fields(IndicatorValue.Descriptor, "values[0].")))
        {
            foreach (var wrong in WrongValues(field))
            {
                yield return ($"{path} = {wrong}", Json(Place(path, wrong)));
            }
        }

        // The same field twice: by the same name, by its JSON and proto names, in a nested value, in a oneof.
        foreach (var field in SubmitIndicatorsRequest.Descriptor.Fields.InDeclarationOrder().Where(f => !f.IsRepeated && f.FieldType != FieldType.Message))
        {
            var sample = SampleValue(field);
            yield return ($"{field.JsonName} twice", Json($"{{\"{field.JsonName}\":{sample},\"{field.JsonName}\":{sample}}}"));
            if (field.JsonName != field.Name)
            {
                yield return ($"{field.JsonName} and {field.Name}", Json($"{{\"{field.JsonName}\":{sample},\"{field.Name}\":{sample}}}"));
            }
        }

        yield return ("code twice in a value", Json("""{"values":[{"code":"legalaid.cases","code":"legalaid.cases","value":1}]}"""));

        // Lone surrogate escapes: well-formed JSON that is no text, in a value and in a name.
        foreach (var escape in new[] { "\\uD800", "\\uDC00", "\\uDBFF\\u0041", "a\\uD834" })
        {
            yield return ($"lone surrogate {escape} in a value", Json($"{{\"submissionId\":\"{escape}\"}}"));
            yield return ($"lone surrogate {escape} in a name", Json($"{{\"{escape}\":1}}"));
        }

        // Unknown fields, at the top and in a value.
        foreach (var name in new[] { "submissionID", "Values", "year ", "__proto__", "值", "tenant", "county" })
        {
            yield return ($"unknown {name}", Json($"{{\"{name}\":1}}"));
            yield return ($"unknown values[0].{name}", Json($"{{\"values\":[{{\"{name}\":1}}]}}"));
        }

        // Not JSON.
        foreach (var text in new[] { valid + "}", valid + " x", "{'submissionId':'x'}", "{\"values\":[1,]}", "{/*c*/}", "{\"value\":NaN}", "nul", "\"text\"", "[]", "1", "{\"a\"}" })
        {
            yield return ($"not JSON: {text[..Math.Min(text.Length, 30)]}", Json(text));
        }

        // Not UTF-8: lone continuation bytes, overlong forms, surrogates encoded, truncated sequences.
        foreach (var bad in new byte[][] { [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE4, 0xB8], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80] })
        {
            var bytes = Encoding.UTF8.GetBytes("{\"submissionId\":\"").Concat(bad).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
            yield return ($"not UTF-8 {Convert.ToHexString(bad)}", new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } });
        }

        // Not declared as JSON.
        foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=gbk", "application/xml" })
        {
            yield return ($"media type {type}", new ByteArrayContent(Encoding.UTF8.GetBytes(valid)) { Headers = { ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type) } });
        }
    }

    private static IEnumerable<(string Path, FieldDescriptor Field)> Fields(MessageDescriptor message, string prefix) =>
        message.Fields.InDeclarationOrder().Select(f => (prefix + f.JsonName, f));

    /// <summary>Values of every JSON kind that the field's type does not accept (proto3 JSON mapping).</summary>
    private static IEnumerable<string> WrongValues(FieldDescriptor field)
    {
        if (field.IsRepeated)
        {
            return ["\"abc\"", "1", "true", "{}"];
        }

        if (field.FieldType == FieldType.Message)
        {
            return field.MessageType.FullName == "google.protobuf.Timestamp" ? ["1", "true", "\"yesterday\"", "{}", "[]"] : ["\"abc\"", "1", "true", "[]"];
        }

        return field.FieldType switch
        {
            FieldType.String => ["1", "1.5", "true", "{}", "[]"],
            FieldType.Bool => ["\"abc\"", "1", "\"yes\"", "{}", "[]"],
            FieldType.Double or FieldType.Float => ["\"abc\"", "true", "{}", "[]", "\"1,5\""],
            FieldType.Int32 => ["\"abc\"", "1.5", "true", "{}", "[]", "1e20", "2147483648", "\"2147483648\""],
            FieldType.Enum => ["\"NO_SUCH_VALUE\"", "1.5", "true", "{}", "[]"],
            _ => ["{}", "[]"],
        };
    }

    private static string SampleValue(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "\"x\"",
        FieldType.Bool => "true",
        _ => "1",
    };

    private static string Place(string path, string value) =>
        path.StartsWith("values[0].", StringComparison.Ordinal) ? $"{{\"values\":[{{\"{path["values[0].".Length..]}\":{value}}}]}}" : $"{{\"{path}\":{value}}}";

    /// <summary>A body sent without a Content-Length (chunked transfer encoding).</summary>
    private sealed class Chunked : HttpContent
    {
        private readonly byte[] _bytes;

        public Chunked(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Path_and_query_parameters_are_checked_like_the_body()
    {
        var assessor = platform.Keys["assessor"];
        foreach (var (path, fragment) in new[]
        {
            ("/v1/years/abc/ranking", "year"),
            ("/v1/years/99999999999/ranking", "year"),
            ("/v1/years/2024/bulletin?format=PDFX", "format"),
            ("/v1/years/2024/audit?county=alpha&page_size=x", "page_size"),
            ("/v1/years/2024/ranking?nosuch=1", "nosuch"),
            ("/v1/years/2024/audit?county=alpha&page_size=1&page_size=2", "page_size"),
            ("/v1/years/2024/bulletin?format=77", "format"),
            ("/V1/years/abc/ranking", "year"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new("Bearer", assessor);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains(fragment, StringComparison.Ordinal), $"{path}: {(int)response.StatusCode} {text}");
        }

        // A path that names no route is NOT_FOUND as JSON, not the workbench's page.
        using var missing = new HttpRequestMessage(HttpMethod.Get, "/v1/nothing/here");
        missing.Headers.Authorization = new("Bearer", assessor);
        using var notFound = await _http.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal((int)StatusCode.NotFound, JsonDocument.Parse(await notFound.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task The_guard_holds_whatever_the_path_case_or_the_http_version()
    {
        // Routing ignores the path's case, so does the guard; an HTTP/2 body has no Content-Length or chunking to see.
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var big = $$"""{"submissionId":"{{new string('x', 3 * 1024 * 1024)}}"}""";
        using var h2 = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{platform.Server.Config.GrpcPort}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var (client, path, content) in new (HttpClient, string, HttpContent)[]
        {
            (_http, "/V1/years/2024/submissions", Json(deep)),
            (_http, "/v1/YEARS/2024/SUBMISSIONS", Json(deep)),
            (h2, "/v1/years/2024/submissions", Json(deep)),
            (h2, "/v1/years/2024/submissions", new Chunked(Encoding.UTF8.GetBytes(big))),
            (h2, "/V1/years/2024/submissions", new Chunked(Encoding.UTF8.GetBytes(deep))),
        })
        {
            using var request = Post(path, content);
            if (client == h2)
            {
                (request.Version, request.VersionPolicy) = (HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact);
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains("\"code\": 3", StringComparison.Ordinal), $"{path} over HTTP/{response.Version}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
        }
    }

    [Fact]
    public async Task A_browser_session_cookie_does_not_reach_the_json_routes()
    {
        // Signed in on the workbench, the same client calls a JSON route with its session cookie only: no key, no access.
        using var handler = new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = _http.BaseAddress };
        using var signIn = await WebSignIn.PostLoginAsync(browser, platform.Keys["assessor"]);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var response = await browser.GetAsync("/v1/years/2024/ranking");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal((int)StatusCode.Unauthenticated, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task The_openapi_document_lists_every_json_route_of_the_protos()
    {
        using var response = await _http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");
        var services = new[] { SubmissionService.Descriptor, AssessmentService.Descriptor, BulletinService.Descriptor, AccountService.Descriptor, CatalogService.Descriptor };
        var routes = 0;
        foreach (var method in services.SelectMany(s => s.Methods))
        {
            if (JsonCallInvoker.RuleOf($"{method.Service.FullName}/{method.Name}") is not { } rule)
            {
                continue;
            }

            foreach (var binding in new[] { rule }.Concat(rule.AdditionalBindings))
            {
                var (verb, path) = binding.Get.Length > 0 ? ("get", binding.Get) : ("post", binding.Post);
                Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(verb, out _), $"{verb} {path} missing");
                routes++;
            }
        }

        Assert.True(routes >= 18, $"{routes} routes");
    }

    [Fact]
    public async Task Reflection_names_every_service_so_grpcurl_needs_no_protos()
    {
        var reflection = new ServerReflection.ServerReflectionClient(platform.Server.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "assessment.v1.SubmissionService" });
        await call.RequestStream.CompleteAsync();
        var answers = new List<ServerReflectionResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer);
        }

        var names = answers[0].ListServicesResponse.Service.Select(s => s.Name).ToHashSet();
        foreach (var service in new[] { SubmissionService.Descriptor, AssessmentService.Descriptor, BulletinService.Descriptor, NoticeService.Descriptor, AdminService.Descriptor, AccountService.Descriptor, ReportService.Descriptor, CatalogService.Descriptor, EvidenceService.Descriptor })
        {
            Assert.Contains(service.FullName, names);
        }

        var files = answers[1].FileDescriptorResponse.FileDescriptorProto.Select(b => FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        Assert.Contains(files, f => f.Service.Any(s => s.Name == "SubmissionService"));
    }
}

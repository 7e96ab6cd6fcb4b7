using System.Buffers;
using System.Text.Json;
using Assessment.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace Assessment.Server.Services;

/// <summary>
/// Checks a JSON route's request (gRPC JSON transcoding, <c>/v1/…</c>) with limits before any handler sees it: the body
/// at most <see cref="MaxBodyBytes"/>, JSON only, UTF-8, nested at most <see cref="MaxDepth"/> deep; then body, path and
/// query against the request message (<see cref="JsonRequestShape"/>: unknown or repeated fields, wrong kinds,
/// integers out of range). A request that fails is answered 400 with a <c>google.rpc.Status</c> naming the problem in
/// Chinese, and nothing runs. A body that passes is handed on as read, so transcoding parses exactly what was checked.
/// </summary>
public sealed class JsonRequestGuard(RequestDelegate next)
{
    /// <summary>The largest JSON body: the 1 MiB report text of ExtractReport, written with \u escapes by clients that escape non-ASCII.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024 + 64 * 1024;

    /// <summary>Deeper than any request message of the contract (≤ 4) with room to spare; far below any parser's own limit.</summary>
    public const int MaxDepth = 16;

    public async Task InvokeAsync(HttpContext context)
    {
        var route = ApiRequests.IsJson(context) ? context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() : null;
        if (route is null)
        {
            await next(context);
            return;
        }

        var problem = CheckParameters(context.Request, route);
        if (problem is null && HasBody(context.Request))
        {
            if (string.IsNullOrEmpty(route.HttpRule.Body))
            {
                problem = "此接口不接受请求体，参数请放在网址中。";
            }
            else if (!IsJsonMediaType(context.Request.ContentType))
            {
                problem = "请求体须为 JSON（Content-Type: application/json; charset=utf-8）。";
            }
            else if (context.Request.ContentLength > MaxBodyBytes || await ReadCappedAsync(context.Request.Body, context.RequestAborted) is not { } body)
            {
                problem = $"请求体超过 {MaxBodyBytes / 1024} KiB 上限。";
            }
            else
            {
                problem = Check(body) ?? CheckShape(route.MethodDescriptor.InputType, body);
                context.Request.Body = new MemoryStream(body, writable: false);
                context.Request.ContentLength = body.Length;
            }
        }

        if (problem is not null)
        {
            await ApiRequests.RefuseAsync(context, StatusCode.InvalidArgument, problem, context.RequestAborted);
            return;
        }

        await next(context);
    }

    /// <summary>Path variables always; query parameters only where the body does not carry the whole message.</summary>
    private static string? CheckParameters(HttpRequest request, GrpcJsonTranscodingMetadata route)
    {
        var input = route.MethodDescriptor.InputType;
        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text && JsonRequestShape.CheckParameter(input, name, text) is { } problem)
            {
                return problem;
            }
        }

        foreach (var (name, values) in request.Query)
        {
            if (route.HttpRule.Body == "*")
            {
                return $"参数“{name}”应放在请求体中。";
            }

            if (values.Count > 1 && !JsonRequestShape.IsRepeated(input, name))
            {
                return $"参数“{name}”只能给出一次。";
            }

            foreach (var value in values)
            {
                if (JsonRequestShape.CheckParameter(input, name, value ?? "") is { } problem)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    private static string? CheckShape(Google.Protobuf.Reflection.MessageDescriptor input, byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        try
        {
            return JsonRequestShape.CheckBody(input, document.RootElement);
        }
        catch (InvalidOperationException)
        {
            // A name or string with a lone surrogate escape (\uD800): well-formed JSON, but no text.
            return "请求体含有无效的 Unicode 转义（单独的代理项）。";
        }
    }

    /// <summary>Null when the body is well-formed JSON within <see cref="MaxDepth"/>, else the Chinese reason it is not.</summary>
    public static string? Check(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return "请求体不是有效的 UTF-8 文本。";
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException) when (reader.CurrentDepth >= MaxDepth - 1)
        {
            return $"JSON 嵌套超过 {MaxDepth} 层。";
        }
        catch (JsonException ex)
        {
            return $"请求体不是有效的 JSON（第 {ex.LineNumber + 1} 行第 {ex.BytePositionInLine + 1} 字节附近）。";
        }

        return null;
    }

    /// <summary>Whether a body may follow: by Content-Length, or by the protocol (chunked HTTP/1.1, HTTP/2 data frames).</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0
        || (request.ContentLength is null && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);

    private static bool IsJsonMediaType(string? contentType) =>
        contentType is not null
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The whole body, or null as soon as it passes the cap (the rest is never read).</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBodyBytes)
            {
                return null;
            }
        }
    }
}

using System.Net.Http.Headers;
using System.Text;
using Assessment.Contracts.V1;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// A gRPC <see cref="CallInvoker"/> that makes each unary or server-streaming call as the plain HTTP/1.1 JSON request its
/// <c>google.api.http</c> option in protos/ describes, the way a client written from the protos would: path variables
/// from the request's fields (the first binding whose variables are all set), the other set fields as query parameters
/// for GET, the whole message as the body otherwise. A refusal (<c>google.rpc.Status</c> JSON) becomes the
/// <see cref="RpcException"/> a gRPC client would see, details included, so a test can run the same calls both ways.
/// </summary>
public sealed class JsonCallInvoker(HttpClient http) : CallInvoker
{
    private static readonly ServiceDescriptor[] Services =
    [
        SubmissionService.Descriptor, AssessmentService.Descriptor, BulletinService.Descriptor, NoticeService.Descriptor, AdminService.Descriptor,
        AccountService.Descriptor, ReportService.Descriptor, CatalogService.Descriptor, EvidenceService.Descriptor,
    ];

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor)));

    /// <summary>The HTTP rule of a method, or null when it has no JSON route.</summary>
    public static HttpRule? RuleOf(string fullMethod)
    {
        var (service, method) = (fullMethod.TrimStart('/').Split('/')[0], fullMethod.TrimStart('/').Split('/')[1]);
        var descriptor = Services.Single(s => s.FullName == service).FindMethodByName(method);
        return descriptor.GetOptions()?.GetExtension(AnnotationsExtensions.Http);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var response = Task.Run(async () =>
        {
            using var answer = await SendAsync(method, options, (IMessage)request);
            var text = await answer.Content.ReadAsStringAsync();
            return (TResponse)Parser.Parse(text, ResponseDescriptor(method));
        });
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var reader = new LineReader<TResponse>(SendAsync(method, options, (IMessage)request), ResponseDescriptor(method));
        return new AsyncServerStreamingCall<TResponse>(reader, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], reader.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException("Client streaming has no JSON route.");

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException("Bidirectional streaming has no JSON route.");

    private static MessageDescriptor ResponseDescriptor<TRequest, TResponse>(Method<TRequest, TResponse> method) =>
        Services.Single(s => s.FullName == method.ServiceName).FindMethodByName(method.Name).OutputType;

    private async Task<HttpResponseMessage> SendAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, IMessage request)
    {
        var rule = RuleOf(method.FullName) ?? throw new NotSupportedException($"{method.FullName} has no JSON route.");
        var (verb, path) = Choose(rule, request);
        var fields = request.Descriptor.Fields.InDeclarationOrder();
        var inPath = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var variable = "{" + field.Name + "}";
            if (path.Contains(variable, StringComparison.Ordinal))
            {
                path = path.Replace(variable, Uri.EscapeDataString(Scalar(field, request)), StringComparison.Ordinal);
                inPath.Add(field.Name);
            }
        }

        using var message = new HttpRequestMessage(new HttpMethod(verb.ToUpperInvariant()), path);
        if (rule.Body == "*")
        {
            message.Content = new StringContent(Formatter.Format(request), Encoding.UTF8, "application/json");
        }
        else
        {
            var query = fields.Where(f => !inPath.Contains(f.Name) && !f.IsRepeated && f.FieldType != FieldType.Message && !Equals(f.Accessor.GetValue(request), Default(f)))
                .Select(f => $"{f.JsonName}={Uri.EscapeDataString(Scalar(f, request))}").ToArray();
            if (query.Length > 0)
            {
                message.RequestUri = new Uri(path + "?" + string.Join('&', query), UriKind.Relative);
            }
        }

        if (options.Headers?.GetValue("authorization") is { } authorization)
        {
            message.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        using var timeout = options.Deadline is { } deadline && deadline != DateTime.MaxValue
            ? new CancellationTokenSource(deadline - DateTime.UtcNow)
            : new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw ToRpcException(await response.Content.ReadAsStringAsync());
            }
        }

        return response;
    }

    /// <summary>The refusal a JSON body states, as the exception a gRPC client raises for it.</summary>
    public static RpcException ToRpcException(string body)
    {
        var status = (Google.Rpc.Status)Parser.Parse(body, Google.Rpc.Status.Descriptor);
        var trailers = new Metadata();
        if (status.Details.Count > 0)
        {
            trailers.Add("grpc-status-details-bin", status.ToByteArray());
        }

        return new RpcException(new Status((StatusCode)status.Code, status.Message), trailers);
    }

    private static (string Verb, string Path) Choose(HttpRule rule, IMessage request)
    {
        foreach (var binding in new[] { rule }.Concat(rule.AdditionalBindings))
        {
            var (verb, path) = binding.PatternCase switch
            {
                HttpRule.PatternOneofCase.Get => ("get", binding.Get),
                HttpRule.PatternOneofCase.Post => ("post", binding.Post),
                HttpRule.PatternOneofCase.Put => ("put", binding.Put),
                HttpRule.PatternOneofCase.Delete => ("delete", binding.Delete),
                HttpRule.PatternOneofCase.Patch => ("patch", binding.Patch),
                _ => throw new NotSupportedException(binding.PatternCase.ToString()),
            };
            var variables = request.Descriptor.Fields.InDeclarationOrder().Where(f => path.Contains("{" + f.Name + "}", StringComparison.Ordinal));
            if (variables.All(f => !Equals(f.Accessor.GetValue(request), Default(f))))
            {
                return (verb, path);
            }
        }

        throw new InvalidOperationException("No binding fits the request.");
    }

    private static object? Default(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "",
        FieldType.Bool => false,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt32 or FieldType.Fixed32 => 0u,
        FieldType.UInt64 or FieldType.Fixed64 => 0ul,
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Enum => 0,
        FieldType.Bytes => ByteString.Empty,
        _ => null,
    };

    private static string Scalar(FieldDescriptor field, IMessage request)
    {
        var value = field.Accessor.GetValue(request);
        return field.FieldType switch
        {
            FieldType.Enum => field.EnumType.FindValueByNumber((int)value!)?.Name ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
            FieldType.Bool => (bool)value! ? "true" : "false",
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        };
    }

    /// <summary>The messages of a server stream: one JSON object per line.</summary>
    private sealed class LineReader<T>(Task<HttpResponseMessage> response, MessageDescriptor descriptor) : IAsyncStreamReader<T>
    {
        private StreamReader? _reader;
        private HttpResponseMessage? _response;

        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_reader is null)
            {
                _response = await response;
                _reader = new StreamReader(await _response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            }

            string? line;
            do
            {
                line = await _reader.ReadLineAsync(cancellationToken);
            }
            while (line is not null && line.Length == 0);

            if (line is null)
            {
                return false;
            }

            // A failure after the first message arrives as a status object in the stream.
            if (line.StartsWith("{\"code\":", StringComparison.Ordinal) && line.Contains("\"message\":", StringComparison.Ordinal))
            {
                throw ToRpcException(line);
            }

            Current = (T)Parser.Parse(line, descriptor);
            return true;
        }

        public void Dispose()
        {
            _reader?.Dispose();
            _response?.Dispose();
        }
    }
}

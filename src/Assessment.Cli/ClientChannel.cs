using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Assessment.Cli;

/// <summary>
/// The CLI's connection to the server: every write that carries a <c>request_id</c> gets one (a new UUID per command)
/// and is retried with that same id while the server answers UNAVAILABLE, so a retry can never apply a write twice;
/// submissions retry with their <c>submission_id</c> the same way.
/// </summary>
public sealed class ClientChannel(GrpcChannel channel, bool retry = true) : CallInvoker, IDisposable
{
    private readonly CallInvoker _invoker = channel.Intercept(new RetryWithSameIdInterceptor(retry));

    /// <summary>The channel without stamping or retries (raw calls, and the tests of a missing id).</summary>
    public GrpcChannel Raw => channel;

    public CallInvoker CreateCallInvoker() => channel.CreateCallInvoker();

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _invoker.BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _invoker.AsyncUnaryCall(method, host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _invoker.AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _invoker.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _invoker.AsyncDuplexStreamingCall(method, host, options);

    public void Dispose() => channel.Dispose();
}

/// <summary>Statuses that mean "the server did not answer", whoever made them.</summary>
public static class Unanswered
{
    /// <summary>
    /// UNAVAILABLE, or the INTERNAL the gRPC client library makes when a server that is shutting down closes the HTTP/2
    /// connection (GOAWAY, NO_ERROR) under a call it had not answered: the call's fate is unknown, exactly as with
    /// UNAVAILABLE, and a call that names itself may be sent again.
    /// </summary>
    public static bool Is(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable
        || (ex.StatusCode == StatusCode.Internal && ex.Status.DebugException is { } local && ClosedConnection(local));

    private static bool ClosedConnection(Exception ex) => ex switch
    {
        System.Net.Http.HttpProtocolException { ErrorCode: 0 } => true, // NO_ERROR: a graceful close, not a broken frame
        System.Net.Http.HttpRequestException { HttpRequestError: System.Net.Http.HttpRequestError.ConnectionError } => true,
        { InnerException: { } inner } => ClosedConnection(inner),
        _ => false,
    };
}

/// <summary>
/// Stamps a request_id on writes that have the field, and (unless <paramref name="retry"/> is off, as in the tests,
/// which must see every status as sent) retries calls that carry an id after UNAVAILABLE or a closed connection
/// (<see cref="Unanswered"/>).
/// </summary>
public sealed class RetryWithSameIdInterceptor(bool retry = true) : Interceptor
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (!CarriesId(request) || !retry)
        {
            return continuation(request, context);
        }

        AsyncUnaryCall<TResponse> last = continuation(request, context);
        async Task<TResponse> WithRetries()
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await last.ResponseAsync;
                }
                catch (RpcException ex) when (Unanswered.Is(ex) && attempt < Backoff.Length
                    && (context.Options.Deadline is not { } deadline || DateTime.UtcNow + Backoff[attempt] < deadline))
                {
                    await Task.Delay(Backoff[attempt], context.Options.CancellationToken);
                    last.Dispose();
                    last = continuation(request, context);
                }
            }
        }

        var response = WithRetries();
        async Task<Metadata> Headers()
        {
            try
            {
                await response;
            }
            catch (RpcException)
            {
            }

            return await last.ResponseHeadersAsync;
        }

        return new AsyncUnaryCall<TResponse>(response, Headers(), () => last.GetStatus(), () => last.GetTrailers(), () => last.Dispose());
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        CarriesId(request);
        return continuation(request, context);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        CarriesId(request);
        return continuation(request, context);
    }

    /// <summary>Gives an empty request_id a new UUID; true when the request is safe to send again (it names itself).</summary>
    private static bool CarriesId<TRequest>(TRequest request)
    {
        if (request is not IMessage message)
        {
            return false;
        }

        var fields = message.Descriptor.Fields;
        if (fields.InDeclarationOrder().FirstOrDefault(f => f.Name == "request_id" && f.FieldType == FieldType.String) is { } requestId)
        {
            if (string.IsNullOrEmpty((string)requestId.Accessor.GetValue(message)))
            {
                requestId.Accessor.SetValue(message, Guid.NewGuid().ToString());
            }

            return true;
        }

        return fields.InDeclarationOrder().FirstOrDefault(f => f.Name == "submission_id" && f.FieldType == FieldType.String) is { } submission
            && !string.IsNullOrEmpty((string)submission.Accessor.GetValue(message));
    }
}

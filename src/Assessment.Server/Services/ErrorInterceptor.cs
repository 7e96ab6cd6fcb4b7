using Assessment.Grains.Abstractions;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Google.Rpc.Status;

namespace Assessment.Server.Services;

/// <summary>
/// Translates the platform's typed errors into gRPC statuses with google.rpc details, once, for every service.
/// Anything unexpected becomes INTERNAL with no driver names or stack text; the details go to the log only.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException rpc)
        {
            Count(context, rpc);
            throw;
        }
        catch (Exception ex)
        {
            throw Count(context, Translate(ex, context, logger));
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException rpc)
        {
            Count(context, rpc);
            throw;
        }
        catch (Exception ex)
        {
            throw Count(context, Translate(ex, context, logger));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException rpc)
        {
            Count(context, rpc);
            throw;
        }
        catch (Exception ex)
        {
            throw Count(context, Translate(ex, context, logger));
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException rpc)
        {
            Count(context, rpc);
            throw;
        }
        catch (Exception ex)
        {
            throw Count(context, Translate(ex, context, logger));
        }
    }

    /// <summary>Counts a call that ends with a status other than OK, by method and status (the dashboards' errors).</summary>
    private static RpcException Count(ServerCallContext context, RpcException rpc)
    {
        Grains.PlatformMeter.RpcRefusals.Add(1, new KeyValuePair<string, object?>("method", context.Method), new KeyValuePair<string, object?>("status", rpc.StatusCode.ToString()));
        return rpc;
    }

    internal static RpcException Translate(Exception ex, ServerCallContext context, ILogger logger) =>
        Translate(ex, context.Method, logger, context.CancellationToken);

    /// <summary>The same translation for a call that is not gRPC (a workbench action kept in the request ledger).</summary>
    internal static RpcException Translate(Exception ex, string method, ILogger logger, CancellationToken cancellation)
    {
        switch (ex)
        {
            case ValidationFailedException v:
                // The details travel in a trailer, and clients refuse trailers past 8–16 KiB: the first violations name
                // what to fix, the message counts the rest.
                var bad = new BadRequest();
                bad.FieldViolations.AddRange(v.Violations.Take(MaxViolations).Select(f => new BadRequest.Types.FieldViolation { Field = Clip(f.Field, 100), Description = Clip(f.Description, 200) }));
                var message = v.Violations.Length > MaxViolations
                    ? $"{v.Violations.Length} 个字段无效（仅列出前 {MaxViolations} 个），本次请求未保存任何数据。"
                    : v.Message;
                return Rich(Code.InvalidArgument, message, bad);
            case ConflictException c:
                return Rich(Code.AlreadyExists, c.Message);
            case NotFoundException n:
                return Rich(Code.NotFound, n.Message);
            case PreconditionException p:
                var failure = new PreconditionFailure();
                failure.Violations.Add(new PreconditionFailure.Types.Violation { Type = p.Reason, Subject = method, Description = p.Message });
                return Rich(Code.FailedPrecondition, p.Message, failure);
            case PermissionDeniedException d:
                return new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, d.Message));
            case AbortedException a:
                return Rich(Code.Aborted, a.Message, new ErrorInfo
                {
                    Reason = "STALE_VERSION",
                    Domain = "assessment.v1",
                    Metadata = { ["expected_version"] = a.Expected.ToString(System.Globalization.CultureInfo.InvariantCulture), ["current_version"] = a.Actual.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                });
            case ResourceExhaustedException r:
                return Rich(Code.ResourceExhausted, r.Message, new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) });
            case UnavailableException u:
                return Rich(Code.Unavailable, u.Message, new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) });
            case TimeoutException or OperationCanceledException when cancellation.IsCancellationRequested:
                return new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded, "请求超时"));
            case var _ when ClusterFaults.IsTransient(ex):
                logger.LogWarning(ex, "{Method}: cluster unavailable", method);
                return ClusterFaults.Unavailable();
            default:
                logger.LogError(ex, "{Method} failed", method);
                return Rich(Code.Internal, "内部错误，已记录。");
        }
    }

    /// <summary>Field violations sent with one INVALID_ARGUMENT.</summary>
    public const int MaxViolations = 50;

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    internal static RpcException Rich(Code code, string message, Google.Protobuf.IMessage? detail = null)
    {
        var status = new Status { Code = (int)code, Message = message };
        if (detail is not null)
        {
            status.Details.Add(Any.Pack(detail));
        }

        return status.ToRpcException();
    }
}

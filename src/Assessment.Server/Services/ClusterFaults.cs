using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Orleans.Runtime;

namespace Assessment.Server.Services;

/// <summary>
/// Faults of the cluster rather than of the request: a silo that died and is not yet declared dead, a message the
/// runtime rejected, a call that timed out inside the cluster. The caller may retry them, and is told so with
/// UNAVAILABLE and RetryInfo wherever they surface: in a gRPC handler, in authentication, in a web page.
/// </summary>
public static class ClusterFaults
{
    public const string Message = "服务暂不可用，请稍后重试。";

    public static bool IsTransient(Exception ex) => ex switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException => true,
        // A grain that cannot read its state while activating: the database is away, not the request wrong.
        OrleansException { InnerException: System.Data.Common.DbException or IOException or System.Net.Sockets.SocketException } => true,
        OrleansException { InnerException: { } inner } => IsTransient(inner),
        AggregateException { InnerExceptions: [var only] } => IsTransient(only),
        _ => false,
    };

    public static Google.Rpc.Status Status() => new()
    {
        Code = (int)Code.Unavailable,
        Message = Message,
        Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }) },
    };

    public static RpcException Unavailable() => Status().ToRpcException();
}

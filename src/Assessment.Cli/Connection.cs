using System.CommandLine;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Assessment.Cli;

/// <summary>Server address and key, from options or the ASSESS_URL / ASSESS_KEY environment variables.</summary>
public static class Connection
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = "服务器 gRPC 地址（默认取环境变量 ASSESS_URL，否则 http://127.0.0.1:5100）",
        Recursive = true,
    };

    public static readonly Option<string?> Key = new("--key")
    {
        Description = "API 密钥（默认取环境变量 ASSESS_KEY）",
        Recursive = true,
    };

    public static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "单次请求超时（秒）",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    public static (ClientChannel Channel, CallOptions Options) Open(ParseResult parse, CancellationToken ct)
    {
        var url = parse.GetValue(Url) ?? Environment.GetEnvironmentVariable("ASSESS_URL") ?? "http://127.0.0.1:5100";
        var key = parse.GetValue(Key) ?? Environment.GetEnvironmentVariable("ASSESS_KEY")
            ?? throw new UsageException("缺少 API 密钥：请用 --key 指定，或设置环境变量 ASSESS_KEY。");
        var headers = new Metadata { { "authorization", "Bearer " + key.Trim() } };
        var channel = new ClientChannel(GrpcChannel.ForAddress(url));
        return (channel, new CallOptions(headers, DateTime.UtcNow.AddSeconds(parse.GetValue(Timeout)), ct));
    }

    /// <summary>Prints a gRPC error the way a user can act on it, with every field violation.</summary>
    public static int Report(RpcException ex, TextWriter error)
    {
        error.WriteLine($"错误（{ex.StatusCode}）：{ex.Status.Detail}");
        var status = ex.GetRpcStatus();
        if (status?.GetDetail<BadRequest>() is { } bad)
        {
            foreach (var v in bad.FieldViolations)
            {
                error.WriteLine($"  {v.Field}: {v.Description}");
            }
        }

        if (status?.GetDetail<PreconditionFailure>() is { } pre)
        {
            foreach (var v in pre.Violations)
            {
                error.WriteLine($"  [{v.Type}] {v.Description}");
            }
        }

        return ex.StatusCode switch
        {
            StatusCode.InvalidArgument or StatusCode.AlreadyExists or StatusCode.FailedPrecondition => 3,
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => 4,
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => 5,
            _ => 1,
        };
    }
}

/// <summary>The command line was usable but incomplete (missing key, unreadable file).</summary>
public sealed class UsageException(string message) : Exception(message);

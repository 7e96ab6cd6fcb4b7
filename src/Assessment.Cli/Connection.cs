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

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "出错时显示详细的技术信息（供运维排查）",
        Recursive = true,
    };

    /// <summary>The gRPC address the command will use.</summary>
    public static string ResolveUrl(ParseResult parse) =>
        parse.GetValue(Url) ?? Environment.GetEnvironmentVariable("ASSESS_URL") ?? "http://127.0.0.1:5100";

    public static (ClientChannel Channel, CallOptions Options) Open(ParseResult parse, CancellationToken ct)
    {
        var url = ResolveUrl(parse);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"服务器地址“{url}”无效：须为 http://主机:端口 或 https://主机:端口（如 http://127.0.0.1:5100）。");
        }

        var key = parse.GetValue(Key) ?? Environment.GetEnvironmentVariable("ASSESS_KEY")
            ?? throw new UsageException("缺少 API 密钥：请用 --key 指定，或设置环境变量 ASSESS_KEY。");
        var headers = new Metadata { { "authorization", "Bearer " + key.Trim() } };
        var channel = new ClientChannel(GrpcChannel.ForAddress(url));
        return (channel, new CallOptions(headers, DateTime.UtcNow.AddSeconds(parse.GetValue(Timeout)), ct));
    }
}

/// <summary>The command line was usable but incomplete (missing key, unreadable file).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The input file was read but its content cannot be sent (the problems were printed); nothing was sent.</summary>
public sealed class InvalidInputException(string message) : Exception(message);

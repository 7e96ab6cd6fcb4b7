using System.Net.Http;
using System.Net.Sockets;
using Google.Rpc;
using Grpc.Core;

namespace Assessment.Cli;

/// <summary>
/// What the CLI tells a person when something fails: one or two Chinese lines saying what happened and what to do,
/// and an exit code scripts can test. Never a stack trace unless <c>--verbose</c> asks for one.
/// </summary>
public static class Failures
{
    /// <summary>Exit codes, documented in <c>assess --help</c> and the README.</summary>
    public const int Other = 1, Usage = 2, Auth = 3, Validation = 4, Locked = 5, AuditBroken = 6, Unavailable = 7;

    public const string ExitCodesHelp = "退出码：0 成功，2 用法错误，3 密钥无效或无权限，4 数据校验未通过，5 流程锁定或版本冲突，6 审计链被篡改，7 服务器不可用或繁忙，1 其他错误";

    /// <summary>Prints the failure and returns its exit code.</summary>
    public static int Report(Exception ex, string? url, bool verbose, TextWriter error)
    {
        var code = ex switch
        {
            RpcException rpc => ReportRpc(rpc, url, error),
            UsageException usage => Line(error, usage.Message, Usage),
            Assessment.Workbooks.WorkbookException workbook => Line(error, workbook.Message, Validation),
            Assessment.Documents.DocumentException document => Line(error, document.Message, Validation),
            InvalidInputException invalid => Line(error, invalid.Message, Validation),
            Assessment.Domain.DataFileException data => Line(error, $"{data.File} 无效：{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", data.Problems), Validation),
            YamlDotNet.Core.YamlException yaml => Line(error, $"文件不是可接受的 YAML：{Assessment.Domain.YamlLimits.Describe(yaml)}", Validation),
            DirectoryNotFoundException missing => Line(error, $"找不到文件夹{QuotedPath(missing.Message)}：请先创建它，或换一个保存位置。", Usage),
            FileNotFoundException missing => Line(error, $"找不到文件 {missing.FileName}。", Usage),
            IOException io => Line(error, $"读写文件失败{QuotedPath(io.Message)}：请检查路径、磁盘空间，以及文件是否被其他程序（如 Excel）占用。", Usage),
            UnauthorizedAccessException denied => Line(error, $"没有权限读写{QuotedPath(denied.Message)}：请换一个位置，或检查文件权限。", Usage),
            OperationCanceledException => Line(error, "已取消。", Other),
            _ => Line(error, $"意外错误：{ex.Message}（加 --verbose 查看详细信息）", Other),
        };
        if (verbose)
        {
            error.WriteLine(ex);
        }

        return code;
    }

    private static int ReportRpc(RpcException ex, string? url, TextWriter error)
    {
        if (ex.StatusCode == StatusCode.Unavailable && (Inner<SocketException>(ex) is not null || ex.Status.DebugException is HttpRequestException))
        {
            return Line(error, $"无法连接服务器 {url}：{Reason(ex)}。请确认服务器已启动（make run），或用 --url / 环境变量 ASSESS_URL 指定 gRPC 地址。", Unavailable);
        }

        if (ex.StatusCode == StatusCode.Internal && Unanswered.Is(ex))
        {
            return Line(error, $"服务器 {url} 正在重启或停止，连接被关闭，本次操作未得到答复：请稍后用同一命令重试（带请求编号的写操作不会重复生效）。", Unavailable);
        }

        if (ex.StatusCode is StatusCode.Internal or StatusCode.Unavailable or StatusCode.Unknown
            && (ex.Status.Detail.Contains("HTTP/1.1", StringComparison.Ordinal) || ex.Status.Detail.Contains("HTTP/2", StringComparison.Ordinal) || ex.Status.Detail.Contains("protocol", StringComparison.OrdinalIgnoreCase)
                || ex.Status.DebugException?.ToString().Contains("HTTP/1.1", StringComparison.Ordinal) == true))
        {
            return Line(error, $"{url} 是网页端口，不是 gRPC 端口：命令行工具连接 gRPC 端口（make run 默认 http://127.0.0.1:5100）。", Usage);
        }

        error.WriteLine($"错误：{ex.Status.Detail}");
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
            // The machine-readable type (e.g. ROUND_NOT_OPEN) is for programs; a person reads the description, once.
            foreach (var v in pre.Violations.Where(v => v.Description.Length > 0 && v.Description != ex.Status.Detail))
            {
                error.WriteLine($"  {v.Description}");
            }
        }

        var (code, hint) = ex.StatusCode switch
        {
            StatusCode.Unauthenticated => (Auth, "请检查 --key 或环境变量 ASSESS_KEY 中的 API 密钥（可能已撤销或过期）。"),
            StatusCode.PermissionDenied => (Auth, "该密钥的角色或范围不允许此操作。"),
            StatusCode.InvalidArgument or StatusCode.OutOfRange => (Validation, "请按上面列出的字段修改后重试。"),
            StatusCode.AlreadyExists => (Validation, "该编号已用于另一份不同的内容；新的内容请使用新的编号。"),
            StatusCode.NotFound => (Validation, "请检查年度、县（区）或编号是否正确。"),
            StatusCode.FailedPrecondition => (Locked, "当前流程状态不允许此操作，原因见上。"),
            StatusCode.Aborted => (Locked, "数据已被他人修改：请重新查看最新状态后再操作。"),
            StatusCode.ResourceExhausted => (Unavailable, "请求过多或服务器繁忙，请稍后重试。"),
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => (Unavailable, "服务器暂不可用或响应超时，请稍后重试（重试是安全的：同一操作不会重复生效）。"),
            _ => (Other, "请稍后重试；如仍失败请联系平台运维。"),
        };
        error.WriteLine(hint);
        return code;
    }

    /// <summary>The path a .NET file error names ("… '/a/b' …"), as "（/a/b）", or nothing when it names none.</summary>
    private static string QuotedPath(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, "'([^']+)'") is { Success: true } m ? $"（{m.Groups[1].Value}）" : "";

    private static string Reason(RpcException ex) => Inner<SocketException>(ex)?.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "连接被拒绝（该端口没有服务）",
        SocketError.HostNotFound or SocketError.NoData => "找不到该主机",
        SocketError.TimedOut => "连接超时",
        _ => "网络错误",
    };

    private static T? Inner<T>(Exception? ex)
        where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is RpcException rpc && rpc.Status.DebugException is { } debug && Inner<T>(debug) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    private static int Line(TextWriter error, string message, int code)
    {
        error.WriteLine(message);
        return code;
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Assessment.Server.Security;

/// <summary>
/// Answers failed authentication and authorization on gRPC calls with a proper gRPC status and a message a user can
/// act on, instead of a bare HTTP 401/403 that clients report as "Bad gRPC response".
/// </summary>
public sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var isGrpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        if (!isGrpc || authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var (code, message) = context.Items.ContainsKey(ApiKeyAuthenticationHandler.ThrottledItem)
            ? (8, "认证失败次数过多，请稍后再试。")                              // RESOURCE_EXHAUSTED
            : authorizeResult.Challenged
            ? (16, "缺少或无效的 API 密钥（authorization: Bearer ak_…）。")   // UNAUTHENTICATED
            : (7, "该凭据无权执行此操作。");                                  // PERMISSION_DENIED
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        context.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}

using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Assessment.Server.Security;

/// <summary>
/// Answers failed authentication and authorization of API calls (gRPC and its JSON routes) with a status and a message
/// a user can act on, instead of a bare HTTP 401/403 that gRPC clients report as "Bad gRPC response". Web pages keep
/// the default (the sign-in redirect, the Chinese error page).
/// </summary>
public sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !ApiRequests.IsApi(context))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var (code, message) = context.Items.ContainsKey(ApiKeyAuthenticationHandler.ThrottledItem)
            ? (StatusCode.ResourceExhausted, "认证失败次数过多，请稍后再试。")
            : authorizeResult.Challenged
            ? (StatusCode.Unauthenticated, "缺少或无效的 API 密钥（authorization: Bearer ak_…）。")
            : (StatusCode.PermissionDenied, "该凭据无权执行此操作。");
        await ApiRequests.RefuseAsync(context, code, message, context.RequestAborted);
    }
}

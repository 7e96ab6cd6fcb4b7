using Assessment.Grains;

namespace Assessment.Server.Security;

/// <summary>
/// Says whom every request acts for, before any endpoint runs: the caller's tenant (from the credential) or, for an
/// operator, the operator's system path. Every grain call the request makes carries it in the Orleans request context,
/// where the silo's <see cref="TenantGuard"/> checks it against the target grain's key. One place for every entry
/// point (unary and streaming gRPC, web pages, downloads): defence in depth behind the services, which build grain
/// keys from the credential only. Anonymous requests act for nobody, and the guard refuses them every tenant's grains.
/// </summary>
public sealed class TenantContextMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }

        // Operators act across tenants (the admin service checks what they name); everyone else for their own.
        using var scope = user.IsInRole(Roles.Operator)
            ? TenantGuard.ActAsSystem(SystemPaths.Operator)
            : user.FindFirst(Caller.TenantClaim)?.Value is { } tenant ? TenantGuard.ActFor(tenant) : null;
        await next(http);
    }
}

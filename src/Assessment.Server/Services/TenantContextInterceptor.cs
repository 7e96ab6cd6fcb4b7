using Assessment.Grains;
using Assessment.Server.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Assessment.Server.Services;

/// <summary>
/// Puts the caller's tenant (from the credential) into the Orleans request context of every call it makes, where the
/// silo's <see cref="TenantGuard"/> checks it against each target grain's key: defence in depth behind the services,
/// which build grain keys from the credential only.
/// </summary>
public sealed class TenantContextInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // Operators act across tenants (the admin service checks what they name); everyone else for their own.
        var user = context.GetHttpContext().User;
        var tenant = user.IsInRole(Roles.Operator) ? null : user.FindFirst(Caller.TenantClaim)?.Value;
        if (tenant is null)
        {
            return await continuation(request, context);
        }

        TenantGuard.SetCallerTenant(tenant);
        try
        {
            return await continuation(request, context);
        }
        finally
        {
            TenantGuard.SetCallerTenant(null);
        }
    }
}

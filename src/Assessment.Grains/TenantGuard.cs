using Assessment.Grains.Abstractions;

namespace Assessment.Grains;

/// <summary>
/// An incoming grain-call filter: when a call carries the caller's tenant (set by the gRPC layer from the credential), a
/// grain whose key belongs to another tenant refuses it. Calls without a tenant (timers, reminders, the seeder, the
/// operator) pass; grains not keyed by tenant (credentials) are not checked.
/// </summary>
public sealed class TenantGuard : IIncomingGrainCallFilter
{
    private const string Key = "assessment.tenant";

    /// <summary>Sets (or clears, with null) the tenant that the calls made from here on act for.</summary>
    public static void SetCallerTenant(string? tenant)
    {
        if (tenant is null)
        {
            RequestContext.Remove(Key);
        }
        else
        {
            RequestContext.Set(Key, tenant);
        }
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (RequestContext.Get(Key) is string tenant && context.Grain is ITenantGrain or ICatalogGrain or IRoundGrain or ICountyGrain or IUnitGrain or IBulletinGrain or IDocumentNumberGrain)
        {
            var key = context.TargetId.Key.ToString();
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var owner = slash < 0 ? key : key[..slash];
            if (!string.Equals(owner, tenant, StringComparison.Ordinal))
            {
                throw new PermissionDeniedException();
            }
        }

        return context.Invoke();
    }
}

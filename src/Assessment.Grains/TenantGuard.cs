using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Assessment.Grains;

/// <summary>What the <see cref="TenantGuard"/> admits besides calls acting for the grain's own tenant.</summary>
public sealed class TenantGuardOptions
{
    /// <summary>
    /// Whether Orleans clients outside the silo's process (through a gateway) may call grains at all. The platform has
    /// none: its clients are co-hosted and production opens no gateway, so any outside client is an intruder. Only the
    /// grain test cluster, whose client is outside by construction, turns this on.
    /// </summary>
    public bool AdmitOutsideClients { get; set; }
}

/// <summary>
/// An incoming grain-call filter, behind the services (which build grain keys from the caller's credential only):
/// <list type="bullet">
/// <item>a call acting for a tenant (set from the credential for every gRPC call and web request) reaches only that
/// tenant's grains;</item>
/// <item>a call from a client (the server's own request handling) that names no tenant reaches a tenant's grains only on
/// one of the platform's named system paths (<see cref="SystemPaths"/>): code that forgot to say whom it acts for is
/// refused, not trusted;</item>
/// <item>calls from inside the cluster (a grain continuing a call it was given, its reminders) pass: they run the
/// platform's code and carry the context of the call that started them;</item>
/// <item>an Orleans client outside the process is refused everything.</item>
/// </list>
/// Grains not keyed by tenant (credentials) are checked by the last rule only.
/// </summary>
public sealed class TenantGuard(IOptions<TenantGuardOptions> options, ILogger<TenantGuard> logger) : IIncomingGrainCallFilter
{
    private long _lastOutsideWarning;

    private const string TenantKey = "assessment.tenant";
    private const string SystemKey = "assessment.system";

    /// <summary>Sets (or clears, with null) the tenant that the calls made from here on act for.</summary>
    public static void SetCallerTenant(string? tenant) => Set(TenantKey, tenant);

    /// <summary>
    /// Acts for <paramref name="tenant"/> until the returned scope is disposed (then the previous tenant, if any, again):
    /// for work that is not a request but is done for one tenant (seeding it, warming its rounds up).
    /// </summary>
    public static IDisposable ActFor(string tenant) => new Scope(TenantKey, tenant);

    /// <summary>Runs the calls made until the returned scope is disposed on the named system path.</summary>
    public static IDisposable ActAsSystem(string path)
    {
        if (!SystemPaths.All.Contains(path))
        {
            throw new ArgumentException($"'{path}' is not one of the platform's system paths.", nameof(path));
        }

        return new Scope(SystemKey, path);
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var origin = Origin(context.SourceId);
        var verdict = Decide(
            TenantScoped(context.Grain) ? OwnerOf(context.TargetId.Key.ToString()) : null,
            RequestContext.Get(TenantKey) as string,
            RequestContext.Get(SystemKey) as string,
            origin,
            options.Value.AdmitOutsideClients);
        if (verdict == Verdict.Admit)
        {
            return context.Invoke();
        }

        if (origin == CallOrigin.OutsideClient)
        {
            WarnOutsideClient(context.SourceId);
        }
        else
        {
            logger.LogWarning("Refused a call to {Target}.{Method}: it acts for another tenant or names none", context.TargetId, context.InterfaceMethod?.Name);
        }

        throw new PermissionDeniedException();
    }

    /// <summary>Where a call comes from, as far as the guard cares.</summary>
    public enum CallOrigin
    {
        /// <summary>A grain or the runtime (reminders, system targets).</summary>
        Cluster,

        /// <summary>The client co-hosted in this silo's process: the server's gRPC services, web pages and start-up work.</summary>
        HostedClient,

        /// <summary>An Orleans client connected through a gateway.</summary>
        OutsideClient,
    }

    public enum Verdict
    {
        Admit,
        Refuse,
    }

    /// <summary>
    /// The rule, on its own: <paramref name="owner"/> is the target grain's tenant (null for grains not keyed by tenant),
    /// <paramref name="tenant"/> the tenant the call acts for, <paramref name="systemPath"/> the system path it names.
    /// </summary>
    public static Verdict Decide(string? owner, string? tenant, string? systemPath, CallOrigin origin, bool admitOutsideClients)
    {
        if (origin == CallOrigin.OutsideClient && !admitOutsideClients)
        {
            return Verdict.Refuse;
        }

        if (owner is null)
        {
            return Verdict.Admit;
        }

        if (tenant is not null)
        {
            return string.Equals(owner, tenant, StringComparison.Ordinal) ? Verdict.Admit : Verdict.Refuse;
        }

        if (systemPath is not null)
        {
            return SystemPaths.All.Contains(systemPath) ? Verdict.Admit : Verdict.Refuse;
        }

        return origin == CallOrigin.Cluster ? Verdict.Admit : Verdict.Refuse;
    }

    /// <summary>The tenant a grain key belongs to: everything before its first slash.</summary>
    public static string OwnerOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    private static bool TenantScoped(object grain) =>
        grain is ITenantGrain or ICatalogGrain or ISchemeDraftsGrain or IRoundGrain or ICountyGrain or IUnitGrain or IBulletinGrain or IDocumentNumberGrain;

    // The source is what the calling client says it is: a client that connects through a gateway chooses its own id,
    // and could pass for the hosted client or a grain. The guard's outside-client rule catches honest or careless
    // clients; the perimeter is that no gateway is opened, that outside Kubernetes the silo listens on loopback only, and
    // that in Kubernetes every connection to the silo is mutual TLS with the cluster's certificate.
    private static CallOrigin Origin(GrainId? source)
    {
        if (source is not { } id || !GrainTypePrefix.IsClient(id))
        {
            return CallOrigin.Cluster;
        }

        // Orleans names the client it hosts beside a silo "hosted-<silo address>"; clients that connect through a
        // gateway get a random key.
        return id.Key.ToString().StartsWith("hosted-", StringComparison.Ordinal) ? CallOrigin.HostedClient : CallOrigin.OutsideClient;
    }

    // An outside client retries its handshake many times a second: one line every ten seconds tells the operator.
    private void WarnOutsideClient(GrainId? source)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastOutsideWarning);
        if ((last == 0 || now - last >= 10_000) && Interlocked.CompareExchange(ref _lastOutsideWarning, now, last) == last)
        {
            logger.LogWarning("Refused an Orleans client from outside the process ({Source}): the platform admits none", source);
        }
    }

    private static void Set(string key, string? value)
    {
        if (value is null)
        {
            RequestContext.Remove(key);
        }
        else
        {
            RequestContext.Set(key, value);
        }
    }

    private sealed class Scope : IDisposable
    {
        private readonly string _key;
        private readonly object? _previous;

        public Scope(string key, string value)
        {
            _key = key;
            _previous = RequestContext.Get(key);
            RequestContext.Set(key, value);
        }

        public void Dispose() => Set(_key, _previous as string);
    }
}

/// <summary>
/// The platform's named paths that call a tenant's grains without acting for that tenant. Each is code of the platform
/// itself, never reachable with a tenant's credential.
/// </summary>
public static class SystemPaths
{
    /// <summary>An operator's administration across tenants (the admin service checks what they name).</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Operator };
}

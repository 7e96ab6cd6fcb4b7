using System.Collections.Concurrent;
using System.Net;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Caching.Memory;

namespace Assessment.Server.Security;

/// <summary>Limits on failed authentication (configuration section <c>Authentication</c>).</summary>
public sealed class AuthenticationLimitOptions
{
    /// <summary>Failed attempts one peer address may make in a burst before it is refused without any lookup.</summary>
    public int FailuresPerPeerBurst { get; set; } = 20;

    /// <summary>Failed attempts per second a peer earns back.</summary>
    public double FailuresPerPeerPerSecond { get; set; } = 2;

    /// <summary>How long a key hash that matched no credential is remembered (answered without a lookup).</summary>
    public TimeSpan UnknownKeyTtl { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>What a key turned out to be.</summary>
public enum LookupOutcome
{
    Found,
    Unknown,
    Throttled,
}

/// <summary>
/// The one way a key becomes a credential, for gRPC calls, the web sign-in and web sessions alike. Unauthenticated
/// traffic must not cost a grain activation and a database read per attempt: a peer that keeps failing is refused
/// before any lookup, a hash that matched nothing is remembered for a while, and failures are counted in a metric and
/// summarised in the log at most every ten seconds instead of a line each.
/// </summary>
public sealed class CredentialLookup(IClusterClient cluster, TimeProvider clock, Microsoft.Extensions.Options.IOptions<AuthenticationLimitOptions> options, ILogger<CredentialLookup> logger) : IDisposable
{
    private const int MaxPeers = 10_000;

    private readonly AuthenticationLimitOptions _limits = options.Value;
    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly MemoryCache _known = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly ConcurrentDictionary<string, PeerBudget> _peers = new(StringComparer.Ordinal);
    private long _failuresSinceLog;
    private long _lastLog;

    public async Task<(LookupOutcome Outcome, Credential? Credential, string? Hash)> FindAsync(string? key, IPAddress? peer)
    {
        var peerKey = peer?.ToString() ?? "-";
        if (key is null || !ApiKeys.LooksValid(key))
        {
            Fail(peerKey);
            return (LookupOutcome.Unknown, null, null);
        }

        var hash = ApiKeys.Hash(key);

        // A peer that keeps failing gets no lookups, except for keys that authenticated recently (still looked up, so
        // a revocation applies at once): clients sharing an address with a key-guesser keep working.
        if (IsThrottled(peerKey) && !_known.TryGetValue(hash, out _))
        {
            Fail(peerKey);
            return (LookupOutcome.Throttled, null, null);
        }

        if (_unknown.TryGetValue(hash, out _))
        {
            Fail(peerKey);
            return (LookupOutcome.Unknown, null, null);
        }

        PlatformMeter.AuthLookups.Add(1);
        var credential = await cluster.GetGrain<ICredentialGrain>(hash).Get();
        if (credential is null)
        {
            _unknown.Set(hash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _limits.UnknownKeyTtl });
        }

        if (credential is null || !credential.IsActive(clock.GetUtcNow()))
        {
            Fail(peerKey);
            return (LookupOutcome.Unknown, null, null);
        }

        _known.Set(hash, true, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });
        return (LookupOutcome.Found, credential, hash);
    }

    /// <summary>Re-checks a web session's credential by its stored hash (no key, so no failure accounting).</summary>
    public async Task<Credential?> FindByHashAsync(string hash)
    {
        PlatformMeter.AuthLookups.Add(1);
        var credential = await cluster.GetGrain<ICredentialGrain>(hash).Get();
        return credential is not null && credential.IsActive(clock.GetUtcNow()) ? credential : null;
    }

    /// <summary>Whether <paramref name="peer"/> has spent its failure budget (shared by keys and account passwords and codes).</summary>
    public bool IsThrottled(IPAddress? peer) => IsThrottled(peer?.ToString() ?? "-");

    /// <summary>Counts a failed sign-in of another kind (a password, a code) against the same budget as failed keys.</summary>
    public void CountFailure(IPAddress? peer) => Fail(peer?.ToString() ?? "-");

    private bool IsThrottled(string peer) =>
        _peers.TryGetValue(peer, out var budget) && !budget.HasRoom(clock.GetTimestamp(), clock, _limits);

    private void Fail(string peer)
    {
        PlatformMeter.AuthFailures.Add(1);
        if (_peers.Count >= MaxPeers)
        {
            _peers.Clear(); // bounded memory; a flood from many addresses only resets the budgets
        }

        _peers.GetOrAdd(peer, _ => new PeerBudget(_limits.FailuresPerPeerBurst, clock.GetTimestamp())).Spend(clock.GetTimestamp(), clock, _limits);
        Interlocked.Increment(ref _failuresSinceLog);
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastLog);
        if ((last == 0 || clock.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(10)) && Interlocked.CompareExchange(ref _lastLog, now, last) == last)
        {
            logger.LogWarning("{Count} failed authentication attempt(s) since the last report (latest from {Peer})",
                Interlocked.Exchange(ref _failuresSinceLog, 0), peer);
        }
    }

    public void Dispose()
    {
        _unknown.Dispose();
        _known.Dispose();
    }

    /// <summary>A token bucket of failures for one peer address.</summary>
    private sealed class PeerBudget(double tokens, long at)
    {
        private double _tokens = tokens;
        private long _at = at;

        public bool HasRoom(long now, TimeProvider clock, AuthenticationLimitOptions limits)
        {
            lock (this)
            {
                Refill(now, clock, limits);
                return _tokens >= 1;
            }
        }

        public void Spend(long now, TimeProvider clock, AuthenticationLimitOptions limits)
        {
            lock (this)
            {
                Refill(now, clock, limits);
                _tokens = Math.Max(0, _tokens - 1);
            }
        }

        private void Refill(long now, TimeProvider clock, AuthenticationLimitOptions limits)
        {
            _tokens = Math.Min(limits.FailuresPerPeerBurst, _tokens + (clock.GetElapsedTime(_at, now).TotalSeconds * limits.FailuresPerPeerPerSecond));
            _at = now;
        }
    }
}

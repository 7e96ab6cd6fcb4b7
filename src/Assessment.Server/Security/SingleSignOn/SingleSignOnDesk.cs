using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assessment.Domain.Accounts;
using Assessment.Domain.Workflow;
using Assessment.Grains;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security.Accounts;
using Assessment.Server.Services;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Assessment.Server.Security.SingleSignOn;

/// <summary>What a sign-in through the provider came to: an account to start a session for, or why not (Chinese) with its HTTP status.</summary>
public sealed record ProviderSignIn(Account? Account, string? Problem, int Status, string Back);

/// <summary>
/// Single sign-on by OpenID Connect, per tenant: the tenant admin names the provider, the client and the claim mapping
/// (checked against the provider's discovery document when set); a person's sign-in is the authorization code flow with
/// PKCE (S256), a state and a nonce carried in a short-lived cookie protected by the cluster's key ring, the callback
/// answered once (a replay is refused before the provider is asked), the id_token validated by
/// <see cref="OpenIdProviders"/>, and the claims mapped by <see cref="SingleSignOnRules"/>. The person gets an account
/// (login <c>sso:</c> and 20 hex digits of the subject's hash) that the tenant admin sees, disables and audits like any
/// other; every refusal and change is in the tenant's chain <c>&lt;tenant&gt;/accounts</c>.
/// </summary>
public sealed class SingleSignOnDesk(
    SingleSignOnStore store, AccountStore accounts, OpenIdProviders providers, IClusterClient cluster, CredentialLookup lookup,
    IOptions<RoundOptions> rounds, IDataProtectionProvider protection, TimeProvider clock, ILogger<SingleSignOnDesk> log)
{
    /// <summary>How long a sign-in may take at the provider.</summary>
    public static readonly TimeSpan SignInLifetime = TimeSpan.FromMinutes(10);

    public const string CallbackPath = "/login/sso/callback";
    public const string StateCookie = "assess_sso";
    public const string CookiePath = "/login/sso";
    public const string Scopes = "openid profile email";

    private readonly IDataProtector _secrets = protection.CreateProtector("assessment.sso.client-secret");
    private readonly ITimeLimitedDataProtector _flows = protection.CreateProtector("assessment.sso.flow").ToTimeLimitedDataProtector();

    private sealed record Flow(string Tenant, string Issuer, string State, string Nonce, string Verifier, string Back);

    /// <summary>
    /// Sets (or, with an empty issuer, removes) the tenant's provider. An empty secret keeps the stored one when issuer
    /// and client stay the same; a client without a secret is a public client (PKCE alone).
    /// </summary>
    public async Task<ProviderSettings?> ConfigureAsync(Caller caller, string? tenant, string? issuer, string? clientId, string? clientSecret, ClaimMapping mapping, CancellationToken ct)
    {
        var target = TenantDesk.Target(caller, tenant);
        issuer = (issuer ?? "").Trim();
        if (issuer.Length == 0)
        {
            if (await store.RemoveAsync(target))
            {
                // Without the provider nobody can vouch for these people any more: their sessions end (the accounts stay).
                await accounts.EndSessionsAsync(target, null, clock.GetUtcNow());
                await AuditAsync(target, caller.Name, "sso_off", null, null);
            }

            return null;
        }

        clientId = clientId?.Trim();
        var problems = SingleSignOnRules.Check(mapping, clientId).Select(p => new FieldError(p.Field, p.Problem)).ToList();
        if (await WebhookTargets.ProblemAsync(issuer, rounds.Value.WebhookRules, ct) is { } issuerProblem)
        {
            problems.Add(new FieldError("issuer", issuerProblem));
        }
        else if (issuer.Contains('?') || issuer.Contains('#'))
        {
            problems.Add(new FieldError("issuer", "issuer 不能含查询串或片段"));
        }

        if (clientSecret is { Length: > SingleSignOnRules.MaxClientSecretLength } || clientSecret?.Any(char.IsControl) == true)
        {
            problems.Add(new FieldError("client_secret", $"不超过 {SingleSignOnRules.MaxClientSecretLength} 个字符，不含控制字符"));
        }

        RequestChecks.Require([.. problems]);
        try
        {
            await providers.DiscoverAsync(issuer, ct);
        }
        catch (ProviderRefusedException e)
        {
            throw new PreconditionException("SSO_PROVIDER_REFUSED", e.Message);
        }

        // A provider several tenants use signs in people of all of them: each tenant must say which are its own.
        var others = await store.OthersAsync(issuer, target);
        if (others.Count > 0 && (!mapping.NamesTenant || others.Any(o => !o.NamesTenant)))
        {
            throw new PreconditionException("SSO_SHARED_PROVIDER",
                "该认证服务也为其他租户登录：每个使用它的租户都须设置租户声明（tenant_claim 与 tenant_values，如地市区划代码），本租户才能使用它，以免他市人员登录本租户；如其他租户尚未设置，请联系平台运维。");
        }

        var existing = await store.FindAsync(target);
        var secret = !string.IsNullOrEmpty(clientSecret) ? _secrets.Protect(clientSecret)
            : existing is not null && existing.Issuer == issuer && existing.ClientId == clientId ? existing.ProtectedSecret
            : null;
        var settings = new ProviderSettings(target, issuer, clientId!, secret, mapping, clock.GetUtcNow());
        await store.SaveAsync(settings);
        if (existing is not null && existing.Issuer != issuer)
        {
            // Another provider now vouches for this tenant's people: what the old one vouched for ends.
            await accounts.EndSessionsAsync(target, null, clock.GetUtcNow());
        }
        await AuditAsync(target, caller.Name, "sso_configure", existing is null ? null : Describe(existing), Describe(settings));
        return settings;
    }

    /// <summary>What the audit records of a provider setting: everything that decides who gets in, not the secret.</summary>
    private static string Describe(ProviderSettings settings)
    {
        var mapping = settings.Mapping;
        var roles = string.Join(",", mapping.Roles.Select(r => $"{r.Value}={r.Role}"));
        var tenantCondition = mapping.NamesTenant ? $"{mapping.TenantClaim}∈{string.Join(",", mapping.TenantValues!)}" : "none";
        return $"{settings.Issuer} {settings.ClientId} roles={roles} tenant_condition={tenantCondition} trust_provider_second_factor={(mapping.TrustProviderSecondFactor ? "yes" : "no")}";
    }

    public async Task<ProviderSettings?> SettingsAsync(Caller caller, string? tenant) => await store.FindAsync(TenantDesk.Target(caller, tenant));

    /// <summary>Whether the tenant offers single sign-on (the sign-in page asks before sending anyone away).</summary>
    public async Task<bool> OffersAsync(string tenant) => tenant is { Length: > 0 and <= 64 } && await store.FindAsync(tenant) is not null;

    /// <summary>The provider's authorization address for a new sign-in, with the cookie that carries its state; or why not.</summary>
    public async Task<(string? Location, string? Problem)> BeginAsync(HttpContext http, string? tenant, string back, CancellationToken ct)
    {
        tenant = (tenant ?? "").Trim();
        if (RequestChecks.SlugField("tenant", tenant) is not null || await store.FindAsync(tenant) is not { } settings)
        {
            return (null, "该租户没有开通统一身份认证，请使用账号或密钥登录。");
        }

        Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await providers.DiscoverAsync(settings.Issuer, ct);
        }
        catch (ProviderRefusedException e)
        {
            log.LogWarning("Single sign-on of tenant {Tenant} cannot start: {Reason}", tenant, e.Reason);
            return (null, "暂时无法连接统一身份认证服务，请稍后再试，或使用账号或密钥登录。");
        }

        var flow = new Flow(tenant, settings.Issuer, Random(), Random(), Random(), back);
        http.Response.Cookies.Append(StateCookie, _flows.Protect(JsonSerializer.Serialize(flow), SignInLifetime), new CookieOptions
        {
            HttpOnly = true,
            // Lax: the provider's redirect back is a top-level navigation from another site, which must carry it.
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = CookiePath,
            MaxAge = SignInLifetime,
        });
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = settings.ClientId,
            ["redirect_uri"] = RedirectUri(http),
            ["scope"] = Scopes,
            ["state"] = flow.State,
            ["nonce"] = flow.Nonce,
            ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(flow.Verifier))),
            ["code_challenge_method"] = "S256",
        };
        return (Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(configuration.AuthorizationEndpoint, query), null);
    }

    /// <summary>The provider's redirect back: the code redeemed, the id_token validated, the claims mapped to an account.</summary>
    public async Task<ProviderSignIn> CompleteAsync(HttpContext http, CancellationToken ct)
    {
        var query = http.Request.Query;
        var flow = ReadFlow(http);
        http.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = CookiePath });
        var peer = http.Connection.RemoteIpAddress;
        if (flow is null)
        {
            return Refused("登录已过期，或不是从本平台发起的，请重新登录。", StatusCodes.Status400BadRequest, "/");
        }

        if (lookup.IsThrottled(peer))
        {
            lookup.CountFailure(peer);
            return Refused("登录失败次数过多，请稍后再试。", StatusCodes.Status429TooManyRequests, flow.Back);
        }

        string? Param(string name) => query[name] is { Count: 1 } v && v[0] is { Length: > 0 and <= 2048 } s ? s : null;
        if (!FixedTimeEquals(Param("state"), flow.State))
        {
            lookup.CountFailure(peer);
            return Refused("登录请求与回调不符，请重新登录。", StatusCodes.Status400BadRequest, flow.Back);
        }

        // Answered once, whatever the answer (an error too): a replay is refused before anything is asked or written.
        if (!await store.UseStateAsync(Hash(flow.State), clock.GetUtcNow() + SignInLifetime, clock.GetUtcNow()))
        {
            lookup.CountFailure(peer);
            return Refused("这次登录已经完成过，回调不能重复使用，请重新登录。", StatusCodes.Status400BadRequest, flow.Back);
        }

        // RFC 9207: a provider that names itself must be the one this sign-in went to (no mix-up between providers).
        if (Param("iss") is { } named && named != flow.Issuer)
        {
            lookup.CountFailure(peer);
            await AuditAsync(flow.Tenant, "sso", "sso_refused", null, "issuer parameter");
            return Refused("回调来自另一个认证服务，登录被拒绝。", StatusCodes.Status401Unauthorized, flow.Back);
        }

        if (Param("error") is { } error)
        {
            lookup.CountFailure(peer);
            await AuditAsync(flow.Tenant, "sso", "sso_refused", null, "provider:" + (ProviderErrors.Contains(error) ? error : "other"));
            return Refused(error == "access_denied" ? "您在统一身份认证中取消了登录。" : "统一身份认证服务没有完成登录，请重新登录。", StatusCodes.Status401Unauthorized, flow.Back);
        }

        if (await store.FindAsync(flow.Tenant) is not { } settings || settings.Issuer != flow.Issuer || Param("code") is not { } code)
        {
            return Refused("统一身份认证的配置已变更，或回调缺少授权码，请重新登录。", StatusCodes.Status400BadRequest, flow.Back);
        }

        try
        {
            return await SignInAsync(http, flow, settings, code, ct);
        }
        catch (ProviderRefusedException e)
        {
            // Only what a caller can cause counts against the address (a provider that is down or misconfigured does
            // not lock an office out of every other way in).
            if (!ProviderFaults.Contains(e.Reason))
            {
                lookup.CountFailure(peer);
            }

            log.LogWarning("Single sign-on to tenant {Tenant} refused: {Reason}", flow.Tenant, e.Reason);
            await AuditAsync(flow.Tenant, "sso", "sso_refused", null, e.Reason);
            return Refused(e.Message, e.Reason == "unreachable" ? StatusCodes.Status502BadGateway : StatusCodes.Status401Unauthorized, flow.Back);
        }
    }

    private async Task<ProviderSignIn> SignInAsync(HttpContext http, Flow flow, ProviderSettings settings, string code, CancellationToken ct)
    {
        var configuration = await providers.DiscoverAsync(settings.Issuer, ct);
        string? secret = null;
        if (settings.ProtectedSecret is { } stored)
        {
            try
            {
                secret = _secrets.Unprotect(stored);
            }
            catch (CryptographicException)
            {
                throw new ProviderRefusedException("统一身份认证的客户端密钥需要租户管理员重新设置（配置迁移自另一部署）。", "secret");
            }
        }

        var tokens = await providers.RedeemAsync(configuration, settings.ClientId, secret, code, RedirectUri(http), flow.Verifier, ct);
        var token = await providers.ValidateAsync(settings.Issuer, configuration, settings.ClientId, tokens.IdToken, flow.Nonce);
        var claims = ClaimsOf(token);
        if (!claims.ContainsKey(settings.Mapping.RoleClaim) && tokens.AccessToken is { } access)
        {
            using var info = await providers.UserInfoAsync(configuration, access, token.Subject, ct);
            if (info is not null)
            {
                Merge(claims, info.RootElement);
            }
        }

        TenantProfile? profile;
        using (TenantGuard.ActFor(flow.Tenant)) // the sign-in is anonymous until here; the flow (ours, protected) names the tenant
        {
            profile = await cluster.GetGrain<ITenantGrain>(GrainKeys.Tenant(flow.Tenant)).GetProfile();
        }

        var subject = Hash($"{settings.Issuer}\n{token.Subject}");
        var login = "sso:" + subject[..20];
        var (person, problem) = SingleSignOnRules.Map(settings.Mapping, claims.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value),
            (county, unit) => profile?.County(county) is { } found && (unit is null || Array.Exists(found.Units, u => u.Id == unit)));
        if (person is null)
        {
            // The provider no longer vouches for this person here: sessions an earlier sign-in began end too.
            await accounts.EndSessionsAsync(flow.Tenant, login, clock.GetUtcNow());
            await AuditAsync(flow.Tenant, login, "sso_refused", null, "no mapped role, county, unit, tenant or second factor");
            return Refused(problem!, StatusCodes.Status403Forbidden, flow.Back);
        }

        var now = clock.GetUtcNow();
        var upserted = await accounts.UpsertSingleSignOnAsync(new Account(flow.Tenant, login, AccountDesk.IdOf(flow.Tenant, login), person.Name, person.Role, person.County,
            person.Unit, person.Email, null, null, false, 0, 0, null, false, now, subject));
        if (upserted is not var (account, before))
        {
            return Refused("登录名冲突，请联系租户管理员。", StatusCodes.Status409Conflict, flow.Back);
        }

        if (before is null)
        {
            await AuditAsync(flow.Tenant, "sso", "account_create", null, $"{login} {person.Role} {person.County}{(person.Unit is null ? "" : "/" + person.Unit)} {person.Name}");
        }
        else if ((before.Role, before.County, before.Unit) != (account.Role, account.County, account.Unit))
        {
            // Sessions act as what the account was when they began: those of the old role end.
            await accounts.EndSessionsAsync(flow.Tenant, login, now);
            await AuditAsync(flow.Tenant, "sso", "account_change", $"{before.Role} {before.County}/{before.Unit}", $"{login} {account.Role} {account.County}/{account.Unit}");
        }

        if (account.Disabled)
        {
            await AuditAsync(flow.Tenant, login, "sso_refused", null, "account disabled");
            return Refused("您的账号已被租户管理员停用。", StatusCodes.Status403Forbidden, flow.Back);
        }

        return new ProviderSignIn(account, null, StatusCodes.Status200OK, flow.Back);
    }

    /// <summary>Where the provider sends the person back (register exactly this at the provider): this site's callback.</summary>
    public static string RedirectUri(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{CallbackPath}";

    /// <summary>The error codes of RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6, audited as such; any other as "other".</summary>
    private static readonly HashSet<string> ProviderErrors = new(StringComparer.Ordinal)
    {
        "access_denied", "invalid_request", "unauthorized_client", "unsupported_response_type", "invalid_scope", "server_error",
        "temporarily_unavailable", "interaction_required", "login_required", "account_selection_required", "consent_required",
    };

    /// <summary>Refusals that are the provider's or the configuration's fault, not the caller's.</summary>
    private static readonly HashSet<string> ProviderFaults = new(StringComparer.Ordinal) { "unreachable", "discovery", "secret", "endpoint", "keys", "pkce", "token_endpoint" };

    private Flow? ReadFlow(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(StateCookie, out var value) || value.Length > 4096)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Flow>(_flows.Unprotect(value, out _));
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Every claim of the token by name, a JSON array's items each a value (as far as the rules read them).</summary>
    private static Dictionary<string, List<string>> ClaimsOf(JsonWebToken token)
    {
        var claims = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var claim in token.Claims)
        {
            var values = claims.TryGetValue(claim.Type, out var list) ? list : claims[claim.Type] = [];
            if (values.Count < SingleSignOnRules.MaxValuesPerClaim)
            {
                values.Add(claim.Value);
            }
        }

        return claims;
    }

    private static void Merge(Dictionary<string, List<string>> claims, JsonElement info)
    {
        foreach (var property in info.EnumerateObject().Take(200))
        {
            if (claims.ContainsKey(property.Name))
            {
                continue;
            }

            var values = property.Value.ValueKind switch
            {
                JsonValueKind.String => [property.Value.GetString()!],
                JsonValueKind.Array => property.Value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Take(SingleSignOnRules.MaxValuesPerClaim)
                    .Select(v => v.GetString()!).ToList(),
                _ => new List<string>(),
            };
            claims[property.Name] = values;
        }
    }

    private static ProviderSignIn Refused(string problem, int status, string back) => new(null, problem, status, back);

    private static bool FixedTimeEquals(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string Random() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Short(string text) => text.Length > 64 ? text[..64] : text;

    private Task AuditAsync(string tenant, string actor, string action, string? before, string? after) =>
        accounts.AuditAsync(tenant, new AuditEvent(clock.GetUtcNow(), actor, action, "sso", before, after, null));
}

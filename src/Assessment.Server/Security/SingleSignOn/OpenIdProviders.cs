using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Assessment.Domain.Keys;
using Assessment.Grains;
using Assessment.Grains.Notifications;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Assessment.Server.Security.SingleSignOn;

/// <summary>Why a provider or its answer was refused, in Chinese for the person or the admin; logged in English by the caller.</summary>
public sealed class ProviderRefusedException(string message, string reason) : Exception(message)
{
    /// <summary>A short English reason for the log (and the audit), e.g. "audience".</summary>
    public string Reason { get; } = reason;
}

/// <summary>The tokens a provider answered for a code.</summary>
public sealed record ProviderTokens(string IdToken, string? AccessToken);

/// <summary>
/// Talking to tenants' OpenID providers: discovery (the document's issuer must be the configured one, exactly), their
/// signing keys (refreshed when a token names a key not seen yet), redeeming a code with its PKCE verifier, the
/// userinfo endpoint, and validating id_tokens (signature, issuer, audience, lifetime, authorized party). Every request
/// goes through the webhook client's shape — the operator's address rules checked as each connection is made, no
/// redirects, no proxy, ten seconds — and reads at most <see cref="MaxDocumentBytes"/>.
/// </summary>
public sealed class OpenIdProviders : IDisposable
{
    public const int MaxDocumentBytes = 256 * 1024;

    /// <summary>Issuers whose discovery is cached; beyond it the cache starts over (tenants change issuers rarely).</summary>
    private const int MaxCachedIssuers = 500;

    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly HttpClient _http;
    private readonly WebhookRules _rules;
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _discovery = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _tokens = new() { MaximumTokenSizeInBytes = 64 * 1024 };

    /// <summary>Issuers whose discovery failed lately, until when: a provider that is down is not asked again by every anonymous visitor.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedUntil = new(StringComparer.Ordinal);

    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(30);

    public OpenIdProviders(IOptions<RoundOptions> rounds)
    {
        _rules = rounds.Value.WebhookRules;
        _http = WebhookHttp.Create(_rules);
        _http.MaxResponseContentBufferSize = MaxDocumentBytes;
    }

    /// <summary>The provider's discovery document and keys, checked; refused with a reason the admin can act on.</summary>
    public async Task<OpenIdConnectConfiguration> DiscoverAsync(string issuer, CancellationToken ct)
    {
        var unreachable = new ProviderRefusedException($"无法从认证服务取得发现文档（{issuer.TrimEnd('/')}/.well-known/openid-configuration）或其签名密钥，请核对 issuer 地址与网络。", "discovery");
        if (_failedUntil.TryGetValue(issuer, out var until) && until > DateTimeOffset.UtcNow)
        {
            throw unreachable;
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await Manager(issuer).GetConfigurationAsync(ct);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or ArgumentException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _discovery.TryRemove(issuer, out _);
            if (_failedUntil.Count > MaxCachedIssuers)
            {
                _failedUntil.Clear();
            }

            _failedUntil[issuer] = DateTimeOffset.UtcNow + FailureMemory;
            throw unreachable;
        }

        _failedUntil.TryRemove(issuer, out _);

        if (!string.Equals(configuration.Issuer, issuer, StringComparison.Ordinal))
        {
            _discovery.TryRemove(issuer, out _);
            throw new ProviderRefusedException($"认证服务的发现文档声明的 issuer（{Shown(configuration.Issuer)}）与配置的 issuer（{issuer}）不一致，须逐字相同。", "issuer");
        }

        foreach (var (name, endpoint) in new[] { ("authorization_endpoint", configuration.AuthorizationEndpoint), ("token_endpoint", configuration.TokenEndpoint) })
        {
            if (string.IsNullOrEmpty(endpoint) || WebhookAddress.Problem(endpoint, _rules) is not null)
            {
                throw new ProviderRefusedException($"认证服务的发现文档缺少可用的 {name}。", "endpoint");
            }
        }

        if (configuration.SigningKeys.Count == 0)
        {
            throw new ProviderRefusedException("认证服务没有公布签名密钥（jwks_uri）。", "keys");
        }

        if (configuration.CodeChallengeMethodsSupported.Count > 0 && !configuration.CodeChallengeMethodsSupported.Contains("S256"))
        {
            throw new ProviderRefusedException("认证服务不支持 PKCE（S256），本平台要求使用。", "pkce");
        }

        return configuration;
    }

    /// <summary>Redeems an authorization code with its PKCE verifier, as the registered client.</summary>
    public async Task<ProviderTokens> RedeemAsync(OpenIdConnectConfiguration configuration, string clientId, string? clientSecret, string code, string redirectUri, string verifier, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", redirectUri), new("code_verifier", verifier),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint);
        if (clientSecret is null)
        {
            form.Add(new("client_id", clientId));
        }
        else
        {
            // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded before they are joined.
            var pair = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pair)));
        }

        request.Content = new FormUrlEncodedContent(form);
        using var body = await SendAsync(request, ct);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id_token", out var id) || id.ValueKind != JsonValueKind.String)
        {
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            throw new ProviderRefusedException(error == "invalid_grant"
                ? "认证服务不再接受这次登录的授权码（已使用或已过期），请重新登录。"
                : "认证服务没有为这次登录签发身份令牌，请重新登录；如一再发生，请联系租户管理员核对配置。", error is null ? "token_endpoint" : "token_endpoint:" + Shown(error));
        }

        var access = root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        return new ProviderTokens(id.GetString()!, access);
    }

    /// <summary>
    /// The id_token, validated: signed by one of the provider's keys with an asymmetric algorithm, issued by
    /// <paramref name="issuer"/> for <paramref name="clientId"/> (and, with several audiences, authorized for it), in
    /// its lifetime, carrying <paramref name="nonce"/>.
    /// </summary>
    public async Task<JsonWebToken> ValidateAsync(string issuer, OpenIdConnectConfiguration configuration, string clientId, string idToken, string nonce)
    {
        var result = await _tokens.ValidateTokenAsync(idToken, Parameters(issuer, clientId, configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The provider rolled its keys: fetch them again, once (a failure to is a refusal like any other).
            Manager(issuer).RequestRefresh();
            result = await _tokens.ValidateTokenAsync(idToken, Parameters(issuer, clientId, await DiscoverAsync(issuer, CancellationToken.None)));
        }

        if (!result.IsValid)
        {
            throw result.Exception switch
            {
                SecurityTokenInvalidAudienceException => new ProviderRefusedException("身份令牌不是签发给本平台的（受众不符），登录被拒绝。", "audience"),
                SecurityTokenInvalidIssuerException => new ProviderRefusedException("身份令牌的签发者不是本租户配置的认证服务，登录被拒绝。", "issuer"),
                SecurityTokenExpiredException or SecurityTokenNotYetValidException => new ProviderRefusedException("身份令牌已过期或尚未生效，请重新登录（并核对本机时间）。", "lifetime"),
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException or SecurityTokenInvalidAlgorithmException
                    => new ProviderRefusedException("身份令牌的签名无效，登录被拒绝。", "signature"),
                _ => new ProviderRefusedException("身份令牌无效，登录被拒绝。", "token"),
            };
        }

        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<string>("nonce", out var carried) || !string.Equals(carried, nonce, StringComparison.Ordinal))
        {
            throw new ProviderRefusedException("身份令牌不属于这次登录（nonce 不符），登录被拒绝。", "nonce");
        }

        // OIDC Core §3.1.3.7: with several audiences an azp is required; whenever there is one, it must be this client.
        var hasParty = token.TryGetPayloadValue<string>("azp", out var party);
        if ((hasParty && party != clientId) || (!hasParty && token.Audiences.Count() > 1))
        {
            throw new ProviderRefusedException("身份令牌不是签发给本平台的（受众不符），登录被拒绝。", "azp");
        }

        if (string.IsNullOrEmpty(token.Subject) || token.Subject.Length > 255)
        {
            throw new ProviderRefusedException("身份令牌没有有效的用户标识（sub）。", "sub");
        }

        return token;
    }

    /// <summary>The userinfo endpoint's claims, when the provider has one; only for the subject of the id_token.</summary>
    public async Task<JsonDocument?> UserInfoAsync(OpenIdConnectConfiguration configuration, string accessToken, string subject, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(configuration.UserInfoEndpoint) || WebhookAddress.Problem(configuration.UserInfoEndpoint, _rules) is not null)
        {
            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, configuration.UserInfoEndpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var body = await SendAsync(request, ct);
        if (body.RootElement.ValueKind != JsonValueKind.Object || !body.RootElement.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String
            || sub.GetString() != subject)
        {
            body.Dispose();
            return null; // another subject's answer (OIDC Core §5.3.2): never merged
        }

        return body;
    }

    public void Dispose()
    {
        _http.Dispose();
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return JsonDocument.Parse(text.Length == 0 ? "{}" : text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new ProviderRefusedException("暂时无法连接认证服务，请稍后再试。", "unreachable");
        }
    }

    private ConfigurationManager<OpenIdConnectConfiguration> Manager(string issuer)
    {
        if (_discovery.Count > MaxCachedIssuers && !_discovery.ContainsKey(issuer))
        {
            _discovery.Clear();
        }

        return _discovery.GetOrAdd(issuer, i => new ConfigurationManager<OpenIdConnectConfiguration>(
            i.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = !_rules.AllowLoopback })
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(6),
            RefreshInterval = TimeSpan.FromSeconds(30),
        });
    }

    private static TokenValidationParameters Parameters(string issuer, string clientId, OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = clientId,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = Algorithms,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuerSigningKey = true,
        ClockSkew = TimeSpan.FromMinutes(2),
    };

    private static string Shown(string? text) => text is null ? "无" : text.Length > 100 ? text[..100] + "…" : text;
}

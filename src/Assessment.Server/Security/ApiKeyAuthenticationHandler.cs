using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Security;

/// <summary>Authenticates <c>authorization: Bearer ak_…</c> through <see cref="CredentialLookup"/>.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialLookup lookup) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Set on the request when a peer has failed too often: the answer is RESOURCE_EXHAUSTED, not UNAUTHENTICATED.</summary>
    public const string ThrottledItem = "assessment.auth.throttled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        const string prefix = "Bearer ";
        var key = header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : null;
        var (outcome, credential, hash) = await lookup.FindAsync(key, Context.Connection.RemoteIpAddress);
        switch (outcome)
        {
            case LookupOutcome.Found:
                return AuthenticateResult.Success(new AuthenticationTicket(Caller.ToPrincipal(credential!, hash![..16], SchemeName), SchemeName));
            case LookupOutcome.Throttled:
                Context.Items[ThrottledItem] = true;
                return AuthenticateResult.Fail("Too many failed attempts from this address.");
            default:
                return AuthenticateResult.Fail("Unknown, revoked or expired credential.");
        }
    }
}

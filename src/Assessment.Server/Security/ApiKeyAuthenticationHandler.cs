using System.Text.Encodings.Web;
using Assessment.Grains.Abstractions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Security;

/// <summary>Authenticates <c>authorization: Bearer ak_…</c> against the credential grains.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IClusterClient cluster,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !ApiKeys.LooksValid(header[prefix.Length..].Trim()))
        {
            return AuthenticateResult.Fail("Malformed credential.");
        }

        var hash = ApiKeys.Hash(header[prefix.Length..].Trim());
        var credential = await cluster.GetGrain<ICredentialGrain>(hash).Get();
        if (credential is null || !credential.IsActive(clock.GetUtcNow()))
        {
            return AuthenticateResult.Fail("Unknown, revoked or expired credential.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(Caller.ToPrincipal(credential, hash[..16], SchemeName), SchemeName));
    }
}

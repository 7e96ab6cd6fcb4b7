using System.Security.Claims;
using Assessment.Grains.Abstractions;

namespace Assessment.Server.Security;

/// <summary>
/// Who is calling, from the credential only. Every grain key a service builds comes from here, never from a request
/// field, so no request can reach another tenant's, county's or unit's data.
/// </summary>
public sealed record Caller(Role Role, string Tenant, string? County, string? Unit, string Name, string? CredentialId = null)
{
    public const string TenantClaim = "assessment:tenant";
    public const string CountyClaim = "assessment:county";
    public const string UnitClaim = "assessment:unit";
    public const string CredentialClaim = "assessment:credential";
    public const string ExpiresClaim = "assessment:expires";

    public static Caller From(ClaimsPrincipal user)
    {
        var role = Enum.Parse<Role>(user.FindFirstValue(ClaimTypes.Role) ?? throw new InvalidOperationException("No role claim."), ignoreCase: true);
        return new Caller(
            role,
            user.FindFirstValue(TenantClaim) ?? throw new InvalidOperationException("No tenant claim."),
            user.FindFirstValue(CountyClaim),
            user.FindFirstValue(UnitClaim),
            user.FindFirstValue(ClaimTypes.Name) ?? "",
            user.FindFirstValue(CredentialClaim));
    }

    /// <param name="credentialId">The credential's id (first 16 hex digits of its hash): what rate limits count by.</param>
    public static ClaimsPrincipal ToPrincipal(Credential credential, string credentialId, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Role, credential.Role.ToString()),
            new(ClaimTypes.Name, credential.Name),
            new(TenantClaim, credential.Tenant),
            new(CredentialClaim, credentialId),
        };
        if (credential.ExpiresAt is { } expires)
        {
            claims.Add(new(ExpiresClaim, expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (credential.County is not null)
        {
            claims.Add(new(CountyClaim, credential.County));
        }

        if (credential.Unit is not null)
        {
            claims.Add(new(UnitClaim, credential.Unit));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}

/// <summary>Role names for <c>[Authorize(Roles = …)]</c>.</summary>
public static class Roles
{
    public const string Unit = nameof(Role.Unit);
    public const string County = nameof(Role.County);
    public const string Assessor = nameof(Role.Assessor);
    public const string Leader = nameof(Role.Leader);
    public const string Member = nameof(Role.Member);
    public const string TenantAdmin = nameof(Role.TenantAdmin);
    public const string Operator = nameof(Role.Operator);
}

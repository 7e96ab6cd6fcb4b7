using System.Globalization;
using System.Net;
using System.Text;
using Assessment.Bulletins;
using Assessment.Grains.Abstractions;
using Assessment.Server.Security;
using Assessment.Server.Seeding;
using Assessment.Server.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Assessment.Server.Web;

/// <summary>
/// Sign-in to the workbench: a person exchanges their API key for a session cookie (HttpOnly, SameSite=Strict, Secure
/// under TLS). The session is checked against the credential on every request, so a revoked key's session ends on its
/// next page. The tenant shown is the credential's; nothing but the sign-in and the error pages is anonymous.
/// </summary>
public static class WebSessions
{
    public const string Scheme = "WebSession";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "assess_session";
    private const string HashClaim = "assessment:credential-hash";

    /// <summary>A personal account's session: its row in account_sessions, checked on every request.</summary>
    public const string SessionClaim = "assessment:account-session";

    /// <summary>The short-lived cookie between a right password and the code (or the enrolment) that completes a sign-in.</summary>
    public const string PendingCookie = "assess_pending";

    /// <summary>The roles that work in the browser: everyone of a tenant (the platform operator uses the CLI).</summary>
    public static bool MaySignIn(Role role) => role is Role.Assessor or Role.Member or Role.Leader or Role.TenantAdmin or Role.County or Role.Unit;

    public static void AddWebSessions(this IServiceCollection services, Npgsql.NpgsqlDataSource database, WebKeyOptions keys, bool secureCookies, bool embeddedDatabase)
    {
        // One key ring for the cluster, in the database: a session or form from one replica is valid on every other and
        // across roll-outs. The application name is fixed, so replicas in different folders share their keys.
        var protection = services.AddDataProtection().SetApplicationName("assessment-workbench");
        services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlRepository = new PostgresKeyRing(database));
        var certificate = keys.Load();
        if (certificate is not null)
        {
            // At rest the keys are encrypted with a certificate from a Kubernetes Secret; whoever reads the table
            // without it cannot forge a session. Rotating the Secret needs the old certificate for the stored keys.
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddSingleton(new WebKeyRingBootstrap.Settings(certificate is not null, embeddedDatabase));
        services.AddHostedService<WebKeyRingBootstrap>();

        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/login";
            o.ReturnUrlParameter = "back";
            // A signed-in person denied a page gets the 403 page in place (not a redirect to yet another page).
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = async context =>
            {
                // A key's session ends when the key is revoked; an account's when the session is ended or the account disabled.
                var hash = context.Principal?.FindFirst(HashClaim)?.Value;
                var session = context.Principal?.FindFirst(SessionClaim)?.Value;
                var services = context.HttpContext.RequestServices;
                var valid = hash is not null
                    ? await services.GetRequiredService<CredentialLookup>().FindByHashAsync(hash) is not null
                    : Guid.TryParse(session, out var id) && await services.GetRequiredService<Security.Accounts.AccountDesk>().SessionAccountAsync(id) is { } account
                      && ActsAs(account, context.Principal!);
                if (!valid)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(Scheme);
                }
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Scheme, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireRole(nameof(Role.Assessor), nameof(Role.Member), nameof(Role.Leader), nameof(Role.TenantAdmin), nameof(Role.County), nameof(Role.Unit)));
    }

    /// <summary>Whether a session still acts as its account is now (role, county, unit): one whose account changed ends.</summary>
    private static bool ActsAs(Security.Accounts.Account account, System.Security.Claims.ClaimsPrincipal principal)
    {
        // A role this release does not know (a row from elsewhere) ends the session rather than failing every request.
        if (RoleWire.Parse(account.Role) is not { } role || role == Role.Operator)
        {
            return false;
        }

        var then = Caller.From(principal);
        return (role, account.Tenant, account.County, account.Unit) == (then.Role, then.Tenant, then.County, then.Unit);
    }

    /// <summary>Starts a session for an account that has just passed every step of its sign-in.</summary>
    public static async Task SignInAsync(HttpContext http, Security.Accounts.Account account)
    {
        var desk = http.RequestServices.GetRequiredService<Security.Accounts.AccountDesk>();
        var session = await desk.StartSessionAsync(account, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString());
        var principal = Caller.ToPrincipal(Security.Accounts.AccountDesk.CredentialOf(account), account.Id, Scheme);
        var identity = (System.Security.Claims.ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new(SessionClaim, session.ToString("D")));
        identity.AddClaim(new(AccountClaim, account.Login));
        await http.SignInAsync(Scheme, principal);
    }

    /// <summary>The login of an account's session (absent for a key's).</summary>
    public const string AccountClaim = "assessment:account-login";

    /// <summary>Starts a session for a credential that was just looked up by its key.</summary>
    public static Task SignInAsync(HttpContext http, Credential credential, string hash)
    {
        var principal = Caller.ToPrincipal(credential, hash[..16], Scheme);
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(HashClaim, hash));
        return http.SignInAsync(Scheme, principal);
    }
}


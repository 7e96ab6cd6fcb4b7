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

    /// <summary>The roles that work in the browser: everyone of a tenant (the platform operator uses the CLI).</summary>
    public static bool MaySignIn(Role role) => role is Role.Assessor or Role.Leader or Role.TenantAdmin or Role.County or Role.Unit;

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
                var hash = context.Principal?.FindFirst(HashClaim)?.Value;
                var lookup = context.HttpContext.RequestServices.GetRequiredService<CredentialLookup>();
                if (hash is null || await lookup.FindByHashAsync(hash) is null)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(Scheme);
                }
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Scheme, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireRole(nameof(Role.Assessor), nameof(Role.Leader), nameof(Role.TenantAdmin), nameof(Role.County), nameof(Role.Unit)));
    }

    /// <summary>Starts a session for a credential that was just looked up by its key.</summary>
    public static Task SignInAsync(HttpContext http, Credential credential, string hash)
    {
        var principal = Caller.ToPrincipal(credential, hash[..16], Scheme);
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(HashClaim, hash));
        return http.SignInAsync(Scheme, principal);
    }
}


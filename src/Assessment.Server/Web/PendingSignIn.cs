using Microsoft.AspNetCore.DataProtection;

namespace Assessment.Server.Web;

/// <summary>
/// The step between a right password and the code (or the second-factor enrolment) that completes an account's sign-in:
/// a cookie protected by the cluster's key ring (valid on every replica), naming tenant and login and stamped with the
/// account's password state (a reset meanwhile voids it), for five minutes.
/// It grants nothing by itself: only <c>/login/code</c> reads it, and a session starts only after the code.
/// </summary>
public static class PendingSignIn
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public static void Start(HttpContext http, string tenant, string login, string stamp, string back)
    {
        var protector = Protector(http);
        var value = protector.Protect($"{tenant}\n{login}\n{stamp}\n{back}", Lifetime);
        http.Response.Cookies.Append(WebSessions.PendingCookie, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/login",
            MaxAge = Lifetime,
        });
    }

    /// <summary>Tenant, login, the account's stamp when the password was right (see AccountDesk.StampOf), and where to go after.</summary>
    public static (string Tenant, string Login, string Stamp, string Back)? Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(WebSessions.PendingCookie, out var value) || value.Length > 2048)
        {
            return null;
        }

        try
        {
            var parts = Protector(http).Unprotect(value, out _).Split('\n');
            return parts.Length == 4 ? (parts[0], parts[1], parts[2], parts[3]) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // expired, or not ours
        }
    }

    public static void End(HttpContext http) => http.Response.Cookies.Delete(WebSessions.PendingCookie, new CookieOptions { Path = "/login" });

    private static ITimeLimitedDataProtector Protector(HttpContext http) =>
        http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("assessment.accounts.pending").ToTimeLimitedDataProtector();
}

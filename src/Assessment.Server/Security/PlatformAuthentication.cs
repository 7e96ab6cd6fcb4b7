using Assessment.Server.Web;

namespace Assessment.Server.Security;

/// <summary>
/// Who a request is before any page or service looks at it: an API key for gRPC calls, their JSON routes (never a
/// browser's cookie: no cross-site request can act through them) and anything that carries an Authorization header, the web session for a browser that has one. Everything that runs before authorization (the
/// per-credential and per-tenant rate limits, the error pages) so sees a signed-in person as that person.
/// </summary>
public static class PlatformAuthentication
{
    public const string Scheme = "Platform";

    public static string Select(HttpContext http, bool webEnabled) =>
        webEnabled
        && !ApiRequests.IsApi(http)
        && !http.Request.Headers.ContainsKey("Authorization")
        && http.Request.Cookies.ContainsKey(WebSessions.CookieName)
            ? WebSessions.Scheme
            : ApiKeyAuthenticationHandler.SchemeName;
}

namespace Assessment.Server.Web;

/// <summary>
/// Headers on every web response (not on gRPC): a content security policy whose only script is the workbench's own
/// upload progress (same origin, no inline script), no framing, no MIME sniffing, no referrer, and no caching of what a
/// signed-in person saw. Bulletins, which may come from a tenant's own template, and 佐证材料, which come from anyone's
/// files, are served sandboxed: even markup that slipped through runs nothing.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public const string DocumentPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

    public Task InvokeAsync(HttpContext context)
    {
        if (!Assessment.Server.Security.ApiRequests.IsGrpc(context))
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var document = context.Request.Path.StartsWithSegments("/bulletin", StringComparison.Ordinal)
                    || context.Request.Path.StartsWithSegments("/evidence", StringComparison.Ordinal);
                headers.ContentSecurityPolicy = document ? DocumentPolicy : PagePolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-store";
                if (context.Request.IsHttps)
                {
                    headers.StrictTransportSecurity = "max-age=31536000";
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}

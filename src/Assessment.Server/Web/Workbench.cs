using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Assessment.Server.Web;

/// <summary>
/// The web workbench: Razor Pages rendered on the server (one small script: upload progress), session sign-in, antiforgery on every POST,
/// one stylesheet, and Chinese error pages for every status without a body. gRPC requests never pass through here.
/// </summary>
public static class Workbench
{
    private static readonly Lazy<byte[]> Stylesheet = new(() => Asset("workbench.css"));
    private static readonly Lazy<byte[]> UploadScript = new(() => Asset("upload.js"));

    private static byte[] Asset(string name)
    {
        using var stream = typeof(Workbench).Assembly.GetManifestResourceStream("Assessment.Web." + name)
            ?? throw new InvalidOperationException($"Missing resource Assessment.Web.{name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static IServiceCollection AddWorkbench(this IServiceCollection services, Npgsql.NpgsqlDataSource database, WebKeyOptions keys, bool secureCookies, bool embeddedDatabase)
    {
        services.AddWebSessions(database, keys, secureCookies, embeddedDatabase);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "assess_af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__af";
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";
            o.Conventions.ConfigureFilter(new AutoValidateAntiforgeryTokenAttribute());
            o.Conventions.ConfigureFilter(new UnmatchedHandlerFilter());
        }).AddCookieTempDataProvider(o =>
        {
            o.Cookie.Name = "assess_notice";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });
        // Chinese is written as itself, not as numeric character references (markup characters are still escaped).
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddSingleton<RoundYears>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Unhandled exceptions and bodiless error statuses of web requests end on the Chinese error pages.</summary>
    public static void UseWorkbenchErrorPages(this WebApplication app) =>
        app.UseWhen(http => !Assessment.Server.Security.ApiRequests.IsApi(http), branch =>
        {
            branch.UseExceptionHandler("/error/500");
            branch.UseStatusCodePagesWithReExecute("/error/{0}");
        });

    public static void MapWorkbench(this WebApplication app)
    {
        app.MapGet("/assets/workbench.css", () => Results.Bytes(Stylesheet.Value, "text/css; charset=utf-8"));
        app.MapGet("/assets/upload.js", () => Results.Bytes(UploadScript.Value, "text/javascript; charset=utf-8"));
        app.MapRazorPages();
        app.MapBulletinPages();
        app.MapEvidenceDownloads();
    }
}

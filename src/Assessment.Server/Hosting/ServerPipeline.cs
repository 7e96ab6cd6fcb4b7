using System.Net;
using System.Security.Cryptography.X509Certificates;
using Assessment.Server.Security;
using Assessment.Server.Services;
using Assessment.Server.Web;

namespace Assessment.Server.Hosting;

/// <summary>
/// The request pipeline and endpoints of the server, and the start-up summary it prints once it is ready: addresses,
/// where the keys are, the warm-up, "Ready.".
/// </summary>
public static class ServerPipeline
{
    public static void UsePlatform(this WebApplication app, PlatformOptions platform, WebOptions web, DemoOptions demo, X509Certificate2? certificate)
    {
        if (platform.Proxy.KnownNetworks.Length > 0)
        {
            // Before everything that looks at the client's address (the failed-sign-in budget) or scheme.
            app.UseForwardedHeaders();
        }

        if (platform.MetricsPort > 0)
        {
            // The metrics port serves /metrics and nothing else: it is plain HTTP, for the monitoring namespace only.
            app.Use((http, next) => http.Connection.LocalPort == platform.MetricsPort && http.Request.Path != "/metrics"
                ? Results.NotFound().ExecuteAsync(http)
                : next(http));
        }

        app.UseMiddleware<ClusterFaultMiddleware>();
        app.UseMiddleware<SecurityHeaders>();
        if (web.Enabled)
        {
            app.UseWorkbenchErrorPages();
        }

        // Routing after the error pages, so a re-executed error page is routed afresh.
        app.UseRouting();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        // After authorization: the web pages' policies authenticate their session scheme again, and the user they act
        // as is the one whose tenant the request's grain calls must carry.
        app.UseMiddleware<TenantContextMiddleware>();
        app.UseMiddleware<JsonRequestGuard>();
        app.MapGrpcService<SubmissionGrpcService>();
        app.MapGrpcService<AssessmentGrpcService>();
        app.MapGrpcService<BulletinGrpcService>();
        app.MapGrpcService<NoticeGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapGrpcService<AccountGrpcService>();
        app.MapGrpcService<ReportGrpcService>();
        app.MapGrpcService<CatalogGrpcService>();
        app.MapGrpcService<Assessment.Server.Evidence.EvidenceGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGet("/healthz", () => Results.Text("ok"));                       // liveness: the process answers
        app.MapHealthChecks("/readyz");                                          // readiness: silo active, database reachable
        // Metrics tell load and failures by tenant-free names, still not for everyone: on their own port when configured (the
        // cluster's NetworkPolicy admits the monitoring namespace there), else to loopback clients only.
        // The port a request arrived on decides, never its Host header (which a client chooses).
        app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(async (context, next) =>
        {
            var connection = context.HttpContext.Connection;
            var allowed = platform.MetricsPort > 0
                ? connection.LocalPort == platform.MetricsPort
                : connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
            return allowed ? await next(context) : Results.NotFound();
        });

        app.MapGrpcReflectionService();
        app.MapJsonApiDocument();

        if (web.Enabled)
        {
            app.MapWorkbench();
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var host = platform.Host == "0.0.0.0" ? "127.0.0.1" : platform.Host;
            var scheme = certificate is null ? "http" : "https";
            Console.WriteLine($"gRPC:  {scheme}://{host}:{platform.GrpcPort}  ({(certificate is null ? "h2c" : "TLS")}; ASSESS_URL for the assess CLI)");
            if (web.Enabled)
            {
                Console.WriteLine($"Web:   {scheme}://{host}:{platform.WebPort}/  (workbench: sign in with an account or a key)");
            }

            if (demo.Enabled)
            {
                Console.WriteLine($"Keys:  {Path.Combine(Path.GetFullPath(platform.DataDir), "demo-credentials.yaml")}");
            }

            var operatorKey = Path.Combine(Path.GetFullPath(platform.DataDir), "operator.key");
            if (File.Exists(operatorKey))
            {
                Console.WriteLine($"Operator key: {operatorKey}");
            }

            // Ready once the recently active rounds are loaded (bounded by Warmup:TimeoutSeconds), like /readyz, and the gRPC
            // port has answered the server's own health check.
            _ = Task.Run(async () =>
            {
                var warmup = app.Services.GetRequiredService<RoundWarmup>();
                Console.WriteLine($"Warm-up: {await warmup.RunAsync(app.Lifetime.ApplicationStopping, ct => SelfProbe.RunAsync(platform.Host, platform.GrpcPort, certificate, ct))}");
                if (!app.Lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    Console.WriteLine("Ready.");
                }
            });
        });
    }
}

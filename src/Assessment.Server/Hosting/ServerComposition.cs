using System.Net;
using System.Security.Cryptography.X509Certificates;
using Assessment.Bulletins;
using Assessment.Grains;
using Assessment.Server.Security;
using Assessment.Server.Seeding;
using Assessment.Server.Services;
using Assessment.Server.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Assessment.Server.Hosting;

/// <summary>
/// What the server is made of: its listeners (gRPC, web, metrics) and its services (the co-hosted silo, gRPC with its
/// interceptors, authentication and limits, the application services, the workbench, telemetry). Program.cs decides
/// which mode runs; this class only composes.
/// </summary>
public static class ServerComposition
{
    /// <summary>The listeners: gRPC (HTTP/2), the web pages (HTTP/1.1, and HTTP/2 under TLS), and /metrics on a port of its own when configured.</summary>
    public static void ListenOn(this ConfigureWebHostBuilder webHost, PlatformOptions platform, X509Certificate2? certificate)
    {
        webHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(platform.Host);
            kestrel.Listen(address, platform.GrpcPort, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    o.UseHttps(certificate);
                }
            });
            kestrel.Listen(address, platform.WebPort, o =>
            {
                o.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    o.UseHttps(certificate);
                }
            });
            if (platform.MetricsPort > 0)
            {
                kestrel.Listen(address, platform.MetricsPort, o => o.Protocols = HttpProtocols.Http1);
            }

            kestrel.AddServerHeader = false;
        });
    }

    /// <summary>Every service of the server, the co-hosted silo included.</summary>
    public static void AddPlatformServices(this WebApplicationBuilder builder, PlatformOptions platform, ClusterOptionsSection cluster, WebOptions web, DemoOptions demo,
        PlatformDatabase database, X509Certificate2? certificate)
    {
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(database.DataSource);
        builder.Services.Configure<Assessment.Grains.RoundOptions>(builder.Configuration.GetSection("Rounds"));
        builder.UseOrleans(silo => SiloSetup.Configure(silo, cluster, builder.Configuration.GetSection(SiloSetup.MembershipSection), database));

        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            // Sized to the largest legitimate message (a scheme file of up to 200 KiB; a report of 80,000 characters), not the
            // 4 MiB default: anything larger is RESOURCE_EXHAUSTED before it is parsed.
            o.MaxReceiveMessageSize = Assessment.Server.Services.RequestChecks.MaxMessageBytes;
            o.EnableDetailedErrors = false;
        }).AddJsonTranscoding(o =>
        {
            // The same handlers over HTTP/1.1 JSON (routes in protos/ as google.api.http options): proto field names in
            // lowerCamelCase, enums by name, 64-bit integers as strings (JavaScript loses precision above 2^53).
            o.JsonSettings.WriteInt64sAsStrings = true;
            // The details of a refusal (BadRequest field violations, PreconditionFailure, RetryInfo…) are written out too.
            o.TypeRegistry = ApiRequests.ErrorDetails;
        }).AddServiceOptions<ReportGrpcService>(o => o.MaxReceiveMessageSize = ReportGrpcService.MaxMessageBytes)
          .AddServiceOptions<Assessment.Server.Evidence.EvidenceGrpcService>(o => o.MaxReceiveMessageSize = Assessment.Server.Evidence.EvidenceGrpcService.MaxMessageBytes);
        builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false).AddCheck<PlatformHealthCheck>("platform");
        // Reflection answers what protos/ already publishes, so a grpcurl user needs no proto files.
        builder.Services.AddGrpcReflection();
        builder.Services.AddJsonApiDocument();

        builder.Services.AddOptions<AuthenticationLimitOptions>().Bind(builder.Configuration.GetSection("Authentication"));
        builder.Services.AddSingleton<CredentialLookup>();
        builder.Services.AddAuthentication(PlatformAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(PlatformAuthentication.Scheme, null, o => o.ForwardDefaultSelector = http => PlatformAuthentication.Select(http, web.Enabled));
        builder.Services.AddAuthorization();
        builder.Services.AddPlatformRateLimits(Bind<RateLimitOptions>(builder.Configuration, "RateLimits"));
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();

        builder.Services.AddSingleton<BulletinRenderer>();
        builder.Services.AddSingleton(Assessment.Domain.Extraction.ReportExtractor.Default);
        builder.Services.AddSingleton<DraftCache>();
        builder.Services.AddSingleton<BulletinComposer>();
        builder.Services.AddSingleton<BulletinDesk>();
        builder.Services.AddSingleton<NoticeDesk>();
        builder.Services.Configure<PdfOptions>(builder.Configuration.GetSection("Pdf"));
        builder.Services.AddSingleton<PdfPrinter>();
        builder.Services.AddSingleton<PinnedSchemeTables>();
        builder.Services.AddSingleton<FillInForms>();
        builder.Services.AddSingleton<CountyDesk>();
        builder.Services.AddSingleton<SubmissionDesk>();
        builder.Services.AddSingleton<RoundDesk>();
        builder.Services.AddSingleton<SchemeDraftDesk>();
        builder.Services.AddSingleton<CatalogDesk>();
        builder.Services.AddSingleton<TenantDesk>();
        builder.Services.AddSingleton<ReportFiles>();
        builder.Services.AddSingleton<ValueImport>();
        builder.Services.AddSingleton<UnitValueListing>();
        builder.Services.Configure<Assessment.Server.Evidence.EvidenceOptions>(builder.Configuration.GetSection(Assessment.Server.Evidence.EvidenceOptions.Section));
        builder.Services.AddSingleton<Assessment.Server.Evidence.IEvidenceStore, Assessment.Server.Evidence.PostgresEvidenceStore>();
        builder.Services.AddSingleton<Assessment.Server.Evidence.EvidenceDesk>();
        builder.Services.AddSingleton<Assessment.Server.Evidence.EvidencePackager>();
        builder.Services.AddSingleton<CredentialService>();
        builder.Services.AddSingleton<Assessment.Server.Security.Accounts.AccountStore>();
        builder.Services.AddSingleton<Assessment.Server.Security.Accounts.PasswordHashing>();
        builder.Services.AddSingleton<Assessment.Server.Security.Accounts.AccountDesk>();
        builder.Services.AddSingleton<Assessment.Server.Security.SingleSignOn.SingleSignOnStore>();
        builder.Services.AddSingleton<Assessment.Server.Security.SingleSignOn.OpenIdProviders>();
        builder.Services.AddSingleton<Assessment.Server.Security.SingleSignOn.SingleSignOnDesk>();
        builder.Services.AddSingleton<Assessment.Server.Events.EventSubscriptions>();
        builder.Services.AddHostedService<Assessment.Server.Events.EventDispatcher>();
        builder.Services.AddSingleton<Assessment.Grains.Notifications.WebhookNotificationSink>();
        builder.Services.AddSingleton<Assessment.Grains.Notifications.INotificationSink, Assessment.Server.Events.DeliveringNotificationSink>();
        builder.Services.Configure<Assessment.Server.Mail.MailOptions>(builder.Configuration.GetSection(Assessment.Server.Mail.MailOptions.Section));
        builder.Services.AddHostedService<Assessment.Server.Mail.MailDispatcher>();
        builder.Services.AddSingleton<RequestLedger>();
        builder.Services.AddHostedService<OperatorBootstrap>();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Bind<WarmupOptions>(builder.Configuration, WarmupOptions.Section)));
        builder.Services.AddSingleton<RoundWarmup>();
        builder.Services.AddSingleton<TenantSeeder>();
        if (web.Enabled)
        {
            builder.Services.AddWorkbench(database.DataSource, Bind<WebKeyOptions>(builder.Configuration, WebKeyOptions.Section), secureCookies: certificate is not null,
                embeddedDatabase: database.Embedded is not null);
        }

        if (demo.Enabled)
        {
            builder.Services.AddSingleton(SeedFile.Load(demo.SeedFile));
            builder.Services.AddHostedService<DemoStartupTask>();
        }

        // Traces and metrics of Orleans, the runtime's own meters and the platform's (meter "Assessment"): scraped at /metrics
        // on the web port, and exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"))
            .WithMetrics(m => m
                .AddMeter("Microsoft.Orleans", PlatformMeter.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o => ProxyHeaders.Configure(o, platform.Proxy));
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new()
    {
        var options = new T();
        (section.Length == 0 ? configuration : configuration.GetSection(section)).Bind(options);
        return options;
    }
}

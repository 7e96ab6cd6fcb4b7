using System.Net;
using Assessment.Bulletins;
using Assessment.Grains;
using Assessment.Server.Hosting;
using Assessment.Server.Security;
using Assessment.Server.Seeding;
using Assessment.Server.Services;
using Assessment.Server.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

if (args is [ReportReaderProcess.Argument, var reportName])
{
    // A child of the server reading one uploaded report file (see ReportFiles); nothing else runs in this process.
    Environment.Exit(ReportReaderProcess.Run(reportName));
}

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
});

var platform = Bind<PlatformOptions>(builder.Configuration, "");
var databaseOptions = Bind<DatabaseOptions>(builder.Configuration, DatabaseOptions.Section);
var cluster = Bind<ClusterOptionsSection>(builder.Configuration, ClusterOptionsSection.Section);
var demo = Bind<DemoOptions>(builder.Configuration, DemoOptions.Section);
var web = Bind<WebOptions>(builder.Configuration, WebOptions.Section);
builder.Services.AddOptions<PlatformOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section));
builder.Services.AddOptions<ClusterOptionsSection>().Bind(builder.Configuration.GetSection(ClusterOptionsSection.Section)).ValidateDataAnnotations().ValidateOnStart();

PlatformDatabase database;
DataFolderLock folderLock;
try
{
    // First the data folder (a second server on it must not touch the live one's PostgreSQL), then the ports.
    folderLock = DataFolderLock.Acquire(platform.DataDir);
    if (!databaseOptions.ProvisionOnly && !databaseOptions.MigrateOnly)
    {
        Ports.RequireFree(platform.Host, platform.GrpcPort, "GrpcPort");
        Ports.RequireFree(platform.Host, platform.WebPort, "WebPort");
    }

    database = await PlatformDatabase.OpenAsync(databaseOptions, platform.DataDir, Console.WriteLine);
}
catch (PostgresNotFoundException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"Cannot start: {ex.Message}");
    return 2;
}

if (databaseOptions.MigrateOnly)
{
    // Migrations ran in OpenAsync; the Job is done.
    await database.DisposeAsync();
    return 0;
}

if (databaseOptions.ProvisionOnly)
{
    Console.WriteLine($"Connection: {database.Embedded?.ConnectionString ?? databaseOptions.ConnectionString}");
    Console.WriteLine("PostgreSQL is ready; press Ctrl+C to stop it.");
    var stop = new TaskCompletionSource();
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
    {
        c.Cancel = true;
        stop.TrySetResult();
    });
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.TrySetResult();
    };
    await stop.Task;
    await database.DisposeAsync();
    return 0;
}

builder.Services.AddSingleton(database);
builder.Services.AddSingleton(database.DataSource);
builder.Services.Configure<Assessment.Grains.RoundOptions>(builder.Configuration.GetSection("Rounds"));
builder.UseOrleans(silo => SiloSetup.Configure(silo, cluster, builder.Configuration.GetSection(SiloSetup.MembershipSection), database));

System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
try
{
    certificate = platform.Tls.Enabled ? platform.Tls.Load() : null;
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"Cannot start: {ex.Message}");
    await database.DisposeAsync();
    folderLock.Dispose();
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel =>
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

builder.Services.AddGrpc(o =>
{
    o.Interceptors.Add<ErrorInterceptor>();
    // Sized to the largest legitimate message (a scheme file of up to 200 KiB; a report of 80,000 characters), not the
    // 4 MiB default: anything larger is RESOURCE_EXHAUSTED before it is parsed.
    o.MaxReceiveMessageSize = Assessment.Server.Services.RequestChecks.MaxMessageBytes;
    o.Interceptors.Add<TenantContextInterceptor>();
    o.EnableDetailedErrors = false;
}).AddServiceOptions<ReportGrpcService>(o => o.MaxReceiveMessageSize = ReportGrpcService.MaxMessageBytes);
builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false).AddCheck<PlatformHealthCheck>("platform");
if (builder.Environment.IsDevelopment())
{
    builder.Services.AddGrpcReflection();
}

builder.Services.AddOptions<AuthenticationLimitOptions>().Bind(builder.Configuration.GetSection("Authentication"));
builder.Services.AddSingleton<CredentialLookup>();
builder.Services.AddAuthentication(PlatformAuthentication.Scheme)
    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
    .AddPolicyScheme(PlatformAuthentication.Scheme, null, o => o.ForwardDefaultSelector = http => PlatformAuthentication.Select(http, web.Enabled));
builder.Services.AddAuthorization();
builder.Services.AddPlatformRateLimits(Bind<RateLimitOptions>(builder.Configuration, "RateLimits"));
builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();

builder.Services.AddSingleton<BulletinRenderer>();
builder.Services.AddSingleton(Assessment.Domain.Extraction.ReportExtractor.Default);
builder.Services.AddSingleton<DraftCache>();
builder.Services.AddSingleton<BulletinComposer>();
builder.Services.AddSingleton<BulletinDesk>();
builder.Services.Configure<PdfOptions>(builder.Configuration.GetSection("Pdf"));
builder.Services.AddSingleton<PdfPrinter>();
builder.Services.AddSingleton<FillInForms>();
builder.Services.AddSingleton<CountyDesk>();
builder.Services.AddSingleton<SubmissionDesk>();
builder.Services.AddSingleton<RoundDesk>();
builder.Services.AddSingleton<TenantDesk>();
builder.Services.AddSingleton<ReportFiles>();
builder.Services.AddSingleton<ValueImport>();
builder.Services.AddSingleton<CredentialService>();
builder.Services.AddSingleton<RequestLedger>();
builder.Services.AddHostedService<OperatorBootstrap>();
builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Bind<WarmupOptions>(builder.Configuration, WarmupOptions.Section)));
builder.Services.AddSingleton<RoundWarmup>();
builder.Services.AddSingleton<TenantSeeder>();
if (web.Enabled)
{
    builder.Services.AddWorkbench(database.DataSource, Bind<WebKeyOptions>(builder.Configuration, WebKeyOptions.Section), secureCookies: certificate is not null);
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

var app = builder.Build();
if (platform.Proxy.KnownNetworks.Length > 0)
{
    // Before everything that looks at the client's address (the failed-sign-in budget) or scheme.
    app.UseForwardedHeaders();
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
app.MapGrpcService<SubmissionGrpcService>();
app.MapGrpcService<AssessmentGrpcService>();
app.MapGrpcService<BulletinGrpcService>();
app.MapGrpcService<AdminGrpcService>();
app.MapGrpcService<AccountGrpcService>();
app.MapGrpcService<ReportGrpcService>();
app.MapGrpcHealthChecksService();
app.MapGet("/healthz", () => Results.Text("ok"));                       // liveness: the process answers
app.MapHealthChecks("/readyz");                                          // readiness: silo active, database reachable
// Metrics tell load and failures by tenant-free names, still not for everyone: on their own port when configured (the
// cluster's NetworkPolicy admits the monitoring namespace there), else to loopback clients only.
if (platform.MetricsPort > 0)
{
    app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{platform.MetricsPort}");
}
else
{
    app.MapPrometheusScrapingEndpoint("/metrics").AddEndpointFilter(async (context, next) =>
        context.HttpContext.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote) ? await next(context) : Results.NotFound());
}
if (app.Environment.IsDevelopment())
{
    app.MapGrpcReflectionService();
}

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
        Console.WriteLine($"Web:   {scheme}://{host}:{platform.WebPort}/  (workbench: sign in with a key)");
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

try
{
    await app.RunAsync();
}
finally
{
    await database.DisposeAsync();
    folderLock.Dispose();
}

return 0;

static T Bind<T>(IConfiguration configuration, string section) where T : new()
{
    var options = new T();
    (section.Length == 0 ? configuration : configuration.GetSection(section)).Bind(options);
    return options;
}

using Assessment.Server.Hosting;
using Assessment.Server.Seeding;
using Assessment.Server.Web;

// The one entry point runs one of six modes: a report-reader child, backup/restore of the embedded database, a tenant's
// archive (export, import, deletion), the migration Job (Database:MigrateOnly), a bare PostgreSQL for `make cluster`
// (Database:ProvisionOnly), or the server. What the server is made of is in ServerComposition, its pipeline in
// ServerPipeline.

if (args is [ReportReaderProcess.Argument, var reportName])
{
    // A child of the server reading one uploaded report file (see ReportFiles); nothing else runs in this process.
    Environment.Exit(ReportReaderProcess.Run(reportName));
}

if (args is [var copyVerb, ..] && BackupMode.Handles(copyVerb))
{
    // make backup / restore / base-backup / recover: the embedded database of a data folder, nothing else of the server.
    var file = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : null;
    var settings = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables()
        .AddCommandLine(args[(file is null ? 1 : 2)..]).Build();
    return await BackupMode.RunAsync(copyVerb, file, settings);
}

if (args is [var tenantVerb, ..] && TenantArchiveMode.Handles(tenantVerb))
{
    // make tenant-export / tenant-import / tenant-delete / operations-log: one tenant's rows, nothing else of the server.
    var operands = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
    var settings = new ConfigurationBuilder().AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables()
        .AddCommandLine(args[(1 + operands.Length)..]).Build();
    return await TenantArchiveMode.RunAsync(tenantVerb, operands, settings);
}

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddConsole(o => o.FormatterName = PlatformConsoleFormatter.FormatterName)
    .AddConsoleFormatter<PlatformConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();

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
        if (cluster.Kubernetes && string.IsNullOrWhiteSpace(platform.OperatorKeyFile))
        {
            throw new InvalidOperationException(
                "OperatorKeyFile is required in Kubernetes: the operator's first key comes from a Secret (k8s: assessment-operator), never from a pod's disk.");
        }

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
    await ProvisionOnlyMode.RunAsync(database, databaseOptions);
    return 0;
}

System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
try
{
    certificate = platform.Tls.Enabled ? platform.Tls.Load() : null;
    // Settings that are only read later are checked now, so a mistake stops the start with its reason.
    try
    {
        _ = Bind<Assessment.Grains.RoundOptions>(builder.Configuration, "Rounds").WebhookRules;
    }
    catch (FormatException ex)
    {
        throw new InvalidOperationException($"Rounds:WebhookInternalNetworks: {ex.Message}", ex);
    }
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"Cannot start: {ex.Message}");
    await database.DisposeAsync();
    folderLock.Dispose();
    return 2;
}

builder.WebHost.ListenOn(platform, certificate);

// Held while the server runs: an operator's tenant import or deletion never runs beside it (PlatformPresence).
var presence = await PlatformPresence.HoldAsync(database, Console.WriteLine);
builder.Services.AddHostedService(sp =>
{
    presence.Logger = sp.GetRequiredService<ILogger<PlatformPresence>>();
    return presence;
});
builder.AddPlatformServices(platform, cluster, web, demo, database, certificate);

var app = builder.Build();
app.UsePlatform(platform, web, demo, certificate);

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

using Assessment.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Seeding;

/// <summary>
/// Creates the demo prefecture once, after the silo has started and before the endpoints accept calls, so a client
/// that can connect always finds it.
/// </summary>
public sealed class DemoStartupTask(
    TenantSeeder seeder,
    SeedFile seed,
    IOptions<PlatformOptions> platform,
    ILogger<DemoStartupTask> logger) : IHostedService
{
    public string CredentialsFile => Path.Combine(Path.GetFullPath(platform.Value.DataDir), "demo-credentials.yaml");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await seeder.SeedAsync(seed, CredentialsFile, cancellationToken))
        {
            logger.LogInformation("Demo tenant {Tenant} created; its keys are in {File} (shown once, readable only by you)", seed.Tenant.Id, CredentialsFile);
        }
        else
        {
            logger.LogInformation("Demo tenant {Tenant} exists; its keys are in {File}", seed.Tenant.Id, CredentialsFile);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

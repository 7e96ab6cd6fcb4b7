using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace Assessment.Server.Hosting;

/// <summary>Healthy when the co-hosted silo is active, the recent rounds are loaded and the database answers.</summary>
public sealed class PlatformHealthCheck(ISiloStatusOracle silo, NpgsqlDataSource database, RoundWarmup warmup) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (silo.CurrentStatus != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"silo is {silo.CurrentStatus}");
        }

        if (!warmup.Done)
        {
            return HealthCheckResult.Unhealthy("loading the recently active rounds");
        }

        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}

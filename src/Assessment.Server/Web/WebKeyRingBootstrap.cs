using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;

namespace Assessment.Server.Web;

/// <summary>
/// Makes sure the cluster's web key ring has a usable key before any replica serves a page. Data Protection creates
/// its first key on demand, and replicas starting together on an empty ring would each create and use their own
/// (every key has a name of its own), signing each other's people out until their rings refresh. Here the first
/// replica creates it under a PostgreSQL advisory lock; the others find it. Later keys are created ahead of their
/// activation by Data Protection itself, which gives every replica time to read them.
/// </summary>
public sealed class WebKeyRingBootstrap(NpgsqlDataSource database, IKeyManager keys, WebKeyRingBootstrap.Settings settings, ILogger<WebKeyRingBootstrap> logger) : IHostedService
{
    /// <summary>Whether the keys are encrypted at rest, and whether the database is the server's own (embedded).</summary>
    public sealed record Settings(bool Encrypted, bool EmbeddedDatabase);

    private const long LockKey = 0x4153534553535745; // "ASSESSWE"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Encrypted && !settings.EmbeddedDatabase)
        {
            logger.LogWarning("The web key ring is stored unencrypted in a shared database: whoever reads the table can forge sessions. Set WebKeys:CertificateFile and WebKeys:KeyFile (k8s: the assessment-web-keys Secret).");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var now = DateTimeOffset.UtcNow;
            if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
            {
                keys.CreateNewKey(now, now.AddDays(90));
                logger.LogInformation("Created the first key of the web key ring");
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

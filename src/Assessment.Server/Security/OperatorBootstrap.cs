using Assessment.Grains.Abstractions;
using Assessment.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Security;

/// <summary>
/// On a platform without a usable operator credential, registers the operator's key from
/// <see cref="PlatformOptions.OperatorKeyFile"/> (a Secret; nothing is written), or else issues one and writes it to
/// <c>operator.key</c> in the data folder, readable only by the server's user. The key itself is never logged.
/// </summary>
public sealed class OperatorBootstrap(CredentialService credentials, IOptions<PlatformOptions> platform, Npgsql.NpgsqlDataSource database, ILogger<OperatorBootstrap> logger) : IHostedService
{
    // Replicas starting together on an empty database take turns: the first issues the key, the others find it.
    private const long LockKey = 0x4153534553534F50; // "ASSESSOP"

    public string KeyFile => Path.Combine(Path.GetFullPath(platform.Value.DataDir), "operator.key");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await IssueUnlessPresentAsync(cancellationToken);
        }
        finally
        {
            await using var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task IssueUnlessPresentAsync(CancellationToken cancellationToken)
    {
        if (await credentials.HasActiveOperatorAsync())
        {
            return;
        }

        var credential = new Credential(Role.Operator, CredentialService.PlatformTenant, null, null, "平台运维（初始）");
        if (platform.Value.OperatorKeyFile is { Length: > 0 } given)
        {
            var supplied = (await File.ReadAllTextAsync(given, cancellationToken)).Trim();
            if (!ApiKeys.LooksValid(supplied))
            {
                throw new InvalidOperationException($"{given} (OperatorKeyFile) does not hold an API key: ak_ followed by up to 61 characters a–z and 2–7.");
            }

            var registered = await credentials.RegisterAsync(supplied, credential);
            logger.LogInformation("Registered the operator credential {Id} from {File}", registered.Summary.Id, given);
            return;
        }

        var (key, summary) = await credentials.IssueAsync(credential);
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        // Restricted before the key is written, so the key is never in a file others can read.
        await File.WriteAllTextAsync(KeyFile, "", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(KeyFile, key + Environment.NewLine, cancellationToken);
        // Expected on a first start: said once in the summary block, and in the log at information level.
        logger.LogInformation("Issued the bootstrap operator credential {Id}; its key is in {File} (readable only by this user)", summary.Id, KeyFile);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Assessment.Grains.Abstractions;
using Assessment.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Assessment.Server.Security;

/// <summary>
/// On a platform without a usable operator credential, issues one and writes it to <c>operator.key</c> in the data
/// folder, readable only by the server's user. The key itself is never logged; only the file's path is printed.
/// </summary>
public sealed class OperatorBootstrap(CredentialService credentials, IOptions<PlatformOptions> platform, ILogger<OperatorBootstrap> logger) : IHostedService
{
    public string KeyFile => Path.Combine(Path.GetFullPath(platform.Value.DataDir), "operator.key");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await credentials.HasActiveOperatorAsync())
        {
            return;
        }

        var (key, summary) = await credentials.IssueAsync(new Credential(Role.Operator, CredentialService.PlatformTenant, null, null, "平台运维（初始）"));
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

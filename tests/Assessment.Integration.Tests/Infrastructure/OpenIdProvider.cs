using System.Diagnostics;
using System.Text.Json;

namespace Assessment.Integration.Tests.Infrastructure;

/// <summary>
/// A real OpenID provider for a test: the npm package oidc-provider (tests/…/Tools/oidc, installed by `make packages`
/// or here on first use from the npm registry), run by the machine's Node on a free loopback port. One confidential
/// client; users by subject with their claims; any password. <see cref="TamperAsync"/> makes it answer id_tokens with a
/// claim changed (audience, issuer, nonce), still signed with its own key.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "assessment-platform";
    public const string ClientSecret = "test-client-secret-0123456789abcdef";

    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly Process _node;

    private OpenIdProvider(Process node, string issuer)
    {
        _node = node;
        Issuer = issuer;
    }

    /// <summary>Exactly as the discovery document names it (no trailing slash).</summary>
    public string Issuer { get; }

    /// <param name="amr">How each user authenticates (RFC 8176 values); absent: a password alone.</param>
    public static async Task<OpenIdProvider> StartAsync(IEnumerable<string> redirectUris, IReadOnlyDictionary<string, object> users,
        IReadOnlyDictionary<string, string[]>? amr = null)
    {
        var folder = Path.GetDirectoryName(ServerProcess.RepositoryFile(Path.Combine("tests", "Assessment.Integration.Tests", "Tools", "oidc", "provider.mjs")))!;
        await EnsureInstalledAsync(folder);
        var settings = JsonSerializer.Serialize(new
        {
            clients = new[]
            {
                new
                {
                    client_id = ClientId,
                    client_secret = ClientSecret,
                    redirect_uris = redirectUris.ToArray(),
                    grant_types = new[] { "authorization_code" },
                    response_types = new[] { "code" },
                },
            },
            users,
            amr = amr ?? new Dictionary<string, string[]>(),
            // A loopback address of its own: issuers stay unique across a run whatever ports the system hands out.
            host = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}",
        });
        var node = Process.Start(new ProcessStartInfo("/usr/bin/node", [Path.Combine(folder, "provider.mjs"), settings])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        node.ErrorDataReceived += (_, _) => { };
        node.BeginErrorReadLine();
        var first = await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (first is null)
        {
            throw new InvalidOperationException("the OpenID provider did not start");
        }

        return new OpenIdProvider(node, JsonDocument.Parse(first).RootElement.GetProperty("issuer").GetString()!);
    }

    /// <summary>From now on, every id_token answered has these claims replaced (nothing: as issued).</summary>
    public async Task TamperAsync(params (string Claim, string Value)[] claims)
    {
        using var http = new HttpClient();
        var response = await http.PostAsync($"{Issuer}/__test/tamper", new FormUrlEncodedContent(claims.Select(c => KeyValuePair.Create(c.Claim, c.Value))));
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _node.StandardInput.Close(); // the provider exits when its input ends
            await _node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            _node.Kill(entireProcessTree: true);
        }

        _node.Dispose();
    }

    private static async Task EnsureInstalledAsync(string folder)
    {
        await Install.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(folder, "node_modules", "oidc-provider", "package.json")))
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var error = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {folder} failed: {await error}");
            }
        }
        finally
        {
            Install.Release();
        }
    }
}

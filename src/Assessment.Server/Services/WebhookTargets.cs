using System.Net;
using System.Net.Sockets;
using Assessment.Domain.Keys;

namespace Assessment.Server.Services;

/// <summary>
/// The check of a webhook address when a tenant sets it: the address's own rules, then every address its name
/// resolves to now (a name that this host or the cluster's DNS maps to loopback or an internal service is refused at
/// once, not only when a notification is sent). A name that does not resolve here is accepted: public DNS may be out of
/// reach of the platform's network, and every connection is checked again.
/// </summary>
public static class WebhookTargets
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    public static async Task<string?> ProblemAsync(string url, WebhookRules rules, CancellationToken ct)
    {
        if (WebhookAddress.Problem(url, rules) is { } problem)
        {
            return problem;
        }

        var host = new Uri(url).IdnHost.TrimEnd('.');
        if (IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            return WebhookAddress.ResolvedProblem(await Dns.GetHostAddressesAsync(host, timeout.Token), rules);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}

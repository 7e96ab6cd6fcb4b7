using System.Net;
using Assessment.Server.Hosting;
using Microsoft.AspNetCore.HttpOverrides;

namespace Assessment.Server.Security;

/// <summary>
/// Behind an ingress every connection comes from the proxy: without its X-Forwarded-For every client would share one
/// failed-sign-in budget. Only proxies in the configured networks are believed, and only their last hop.
/// </summary>
public static class ProxyHeaders
{
    public static void Configure(ForwardedHeadersOptions options, ProxyOptions proxy)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var text in proxy.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(text.Trim(), out var network)
                ? network
                : throw new InvalidOperationException($"Proxy:KnownNetworks: '{text}' is not a network in CIDR notation (e.g. 10.42.0.0/16)"));
        }

        options.ForwardLimit = 1;
    }
}

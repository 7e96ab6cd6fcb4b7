using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Assessment.Server.Hosting;

/// <summary>
/// The server's first call to its own gRPC port, made once the rounds are loaded and before it prints "Ready.": a
/// health check over loopback, as a client or a Kubernetes probe makes it. It shows the port serves gRPC (not merely
/// that it is bound), and the one-time costs of a process's first request (HTTP/2 connection and stream handling, the
/// gRPC pipeline, the health checks and their database query used the first time: 150–250 ms here) are paid before
/// traffic arrives instead of by the first assessor after a deploy. It never fails a start: a probe that gets no
/// answer is reported in the start-up line.
/// </summary>
public static class SelfProbe
{
    /// <summary>Calls the health service at the gRPC port once; returns what happened, for the start-up line.</summary>
    public static async Task<string> RunAsync(string host, int port, X509Certificate2? certificate, CancellationToken stopping)
    {
        var address = IPAddress.Parse(host) switch
        {
            var any when any.Equals(IPAddress.Any) => IPAddress.Loopback,
            var any when any.Equals(IPAddress.IPv6Any) => IPAddress.IPv6Loopback,
            var specific => specific,
        };
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (certificate is not null)
        {
            // The only certificate this call accepts is the server's own (it talks to itself, by address, not by name).
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        }

        var uri = new UriBuilder(certificate is null ? "http" : "https", address.ToString(), port).Uri;
        using var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var watch = Stopwatch.StartNew();
        try
        {
            var answer = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(),
                deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stopping);
            return $"gRPC port answers ({answer.Status}) in {watch.ElapsedMilliseconds} ms";
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            return $"gRPC port did not answer its own health check: {ex.GetType().Name}: {ex.Message}";
        }
    }
}

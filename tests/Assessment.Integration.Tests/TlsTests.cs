using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Net.Client;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>API keys are bearer tokens: the server serves gRPC and web over TLS from PEM files in its configuration.</summary>
[Collection(ServerCollection.Name)]
public sealed class TlsTests(PlatformFixture platform)
{
    [Fact]
    public async Task With_a_pem_certificate_grpc_and_web_are_served_over_tls_and_cookies_are_secure()
    {
        var dir = Directory.CreateDirectory(PostgresFixture.ScratchPath($"tls-{Guid.NewGuid():N}")).FullName;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.key"), rsa.ExportPkcs8PrivateKeyPem());

        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile,
            Extra: [$"--Tls:CertificateFile={Path.Combine(dir, "tls.crt")}", $"--Tls:KeyFile={Path.Combine(dir, "tls.key")}"]));
        // The server's own health check at start goes over TLS too, trusting only its own certificate.
        Assert.Contains("gRPC port answers (Serving)", server.Output, StringComparison.Ordinal);
        var thumbprint = certificate.Thumbprint;
        SocketsHttpHandler Trusting() => new()
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && new X509Certificate2(presented).Thumbprint == thumbprint },
        };

        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{server.Config.GrpcPort}", new GrpcChannelOptions { HttpHandler = Trusting() });
        var keys = server.Keys();
        var mine = await new SubmissionService.SubmissionServiceClient(channel).GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(keys["alpha/u1"]));
        Assert.Equal(1, mine.Version);

        // Cleartext is not served on the TLS port.
        using var clear = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Config.GrpcPort}");
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => new SubmissionService.SubmissionServiceClient(clear)
            .GetMySubmissionsAsync(new GetMySubmissionsRequest { Year = 2024 }, As(keys["alpha/u1"])).ResponseAsync);

        var handler = Trusting();
        handler.AllowAutoRedirect = false;
        handler.CookieContainer = new CookieContainer();
        handler.UseCookies = true;
        using var web = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{server.Config.WebPort}") };
        var signedIn = await WebSignIn.PostLoginAsync(web, keys["assessor"]);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("assess_session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        var page = await web.GetAsync("/2024/ranking");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.True(page.Headers.Contains("Strict-Transport-Security"));
    }
}

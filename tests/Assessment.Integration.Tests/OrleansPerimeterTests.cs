using Assessment.Grains;
using Assessment.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>
/// The silo admits no Orleans client but its own. Production opens no gateway (and the NetworkPolicy admits only the
/// platform's pods to the silo port); should a gateway be opened by mistake, the tenant guard still refuses an outside
/// client every call, the cluster's own services included, so it never gets as far as naming a grain.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OrleansPerimeterTests(PlatformFixture platform)
{
    [Fact]
    public async Task An_outside_orleans_client_is_refused_even_through_an_open_gateway()
    {
        var gateway = FreePort();
        await using var server = await StartAsync(new Settings(await platform.Postgres.CreateDatabaseAsync(), PostgresFixture.NewDataDir(), PlatformFixture.SeedFile,
            Extra: [$"--Cluster:GatewayPort={gateway}"]));

        // Whatever the client claims in its request context: a tenant, or the operator's system path.
        RequestContext.Set("assessment.tenant", "itest");
        RequestContext.Set("assessment.system", SystemPaths.Operator);
        try
        {
            using var host = new HostBuilder()
                .UseOrleansClient(client =>
                {
                    client.UseLocalhostClustering(gateway, Assessment.Server.Hosting.SiloSetup.ServiceId, clusterId: "assessment");
                    client.Services.AddAssessmentSerialization();
                })
                .Build();
            using var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var refused = await Record.ExceptionAsync(() => host.StartAsync(connecting.Token));
            Assert.NotNull(refused);
            Assert.Contains("Refused an Orleans client from outside the process", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            RequestContext.Clear();
        }

        // The server is unharmed and its own requests (through the co-hosted client) pass.
        var keys = server.Keys();
        var mine = await new Assessment.Contracts.V1.SubmissionService.SubmissionServiceClient(server.Channel)
            .GetMySubmissionsAsync(new Assessment.Contracts.V1.GetMySubmissionsRequest { Year = 2024 }, As(keys["alpha/u1"]));
        Assert.Equal(1, mine.Version);
    }
}

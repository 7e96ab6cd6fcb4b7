using System.Net;
using Assessment.Grains;
using Assessment.Grains.Grains;
using Orleans.Configuration;

namespace Assessment.Server.Hosting;

/// <summary>Configures the co-hosted Orleans silo: storage, clustering and reminders all on the one PostgreSQL.</summary>
public static class SiloSetup
{
    public const string Invariant = "Npgsql";
    public const string ServiceId = "assessment";

    /// <summary>
    /// Configuration section bound onto Orleans' own <see cref="ClusterMembershipOptions"/>. appsettings.json ships
    /// probes every 2 s with a silo suspected after 2 missed and declared dead on 2 votes (Orleans' defaults, 5 s and 3,
    /// left a unit whose grains were on a killed silo retrying for 13 s; docs/operations.md, "Losing a silo"); the chaos
    /// tests shorten them further.
    /// </summary>
    public const string MembershipSection = "Cluster:Membership";

    public static void Configure(ISiloBuilder silo, ClusterOptionsSection cluster, IConfiguration membership, PlatformDatabase database)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = ServiceId;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
        silo.Configure<ClusterMembershipOptions>(membership);

        if (cluster.Mode == "adonet")
        {
            if (cluster.Kubernetes)
            {
                silo.UseKubernetesHosting();
                // Clients are co-hosted: no gateway listener for anyone else to act as an Orleans client through.
                silo.Services.PostConfigure<EndpointOptions>(o => o.GatewayPort = cluster.GatewayPort);
            }
            else
            {
                silo.ConfigureEndpoints(IPAddress.Loopback, cluster.SiloPort is 0 ? 11111 : cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }

            if (cluster.Tls.Enabled)
            {
                SiloTls.Configure(silo, cluster.Tls);
            }
            else if (cluster.Kubernetes)
            {
                throw new InvalidOperationException(
                    "Cluster:Tls:CertificateFile and Cluster:Tls:KeyFile are required in Kubernetes: silo traffic crosses the pod network (k8s: the assessment-silo-tls Secret).");
            }

            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.DataSource = database.DataSource;
            });
        }
        else
        {
            // One silo: ports nobody else holds (a user's other server, a benchmark beside it), unless configured.
            silo.UseLocalhostClustering(cluster.SiloPort is 0 ? Ports.Free() : cluster.SiloPort, cluster.GatewayPort, serviceId: ServiceId, clusterId: cluster.ClusterId);
        }

        silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
        {
            o.Invariant = Invariant;
            o.DataSource = database.DataSource;
            o.GrainStorageSerializer = new JsonGrainStorageSerializer();
        });
        silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Counties,
            (sp, _) => new PostgresCountyStorage(database.DataSource, database.CompressStates));
        silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Units, (_, _) => new PostgresUnitStorage(database.DataSource, database.CompressStates));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = database.DataSource;
        });
        // Before the grains' defaults: rankings read the counties' stored facts in one query.
        silo.Services.AddSingleton<ICountyFactsStore>(sp => new PostgresCountyFacts(database.DataSource, sp.GetRequiredService<RoundCatalogs>()));
        silo.Services.AddAssessmentGrains();
        silo.AddIncomingGrainCallFilter<TenantGuard>();
        silo.AddIncomingGrainCallFilter<Assessment.Grains.Grains.BrokenActivationFilter>();
        silo.Services.AddSingleton<Assessment.Grains.Audit.IAuditLog>(new PostgresAuditLog(database.DataSource));
        silo.Services.AddSingleton<Assessment.Grains.Publications.IBulletinStore>(new PostgresBulletinStore(database.DataSource));
    }
}

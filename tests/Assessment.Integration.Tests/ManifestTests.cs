using Assessment.Integration.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Assessment.Integration.Tests;

/// <summary>Structural checks of k8s/: no cluster is available here, so the manifests are validated as data.</summary>
public sealed class ManifestTests
{
    private static readonly string Root = Path.GetDirectoryName(ServerProcess.RepositoryFile("k8s", "base", "kustomization.yaml"))! + "/..";

    private static List<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(file)));
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    private static string? Text(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            node = next;
        }

        return (node as YamlScalarNode)?.Value;
    }

    private static IEnumerable<YamlMappingNode> All() =>
        Directory.GetFiles(Root, "*.yaml", SearchOption.AllDirectories).Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).SelectMany(Documents);

    [Fact]
    public void Every_kustomization_names_resources_that_exist_and_every_manifest_has_kind_and_name()
    {
        foreach (var kustomization in Directory.GetFiles(Root, "kustomization.yaml", SearchOption.AllDirectories))
        {
            var doc = Documents(kustomization).Single();
            foreach (var resource in ((YamlSequenceNode)doc["resources"]).Children.Select(n => ((YamlScalarNode)n).Value!))
            {
                var path = Path.Combine(Path.GetDirectoryName(kustomization)!, resource);
                Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")), $"{kustomization}: {resource} is missing");
            }
        }

        Assert.All(All(), m =>
        {
            Assert.False(string.IsNullOrEmpty(Text(m, "apiVersion")));
            Assert.False(string.IsNullOrEmpty(Text(m, "kind")));
            Assert.False(string.IsNullOrEmpty(Text(m, "metadata", "name")));
        });
    }

    [Fact]
    public void The_silo_deployment_probes_the_health_endpoints_and_its_disruption_budget_and_service_select_it()
    {
        var manifests = All().ToList();
        var deployment = manifests.Single(m => Text(m, "kind") == "Deployment");
        var labels = (YamlMappingNode)deployment["spec"]["template"]["metadata"]["labels"];
        var container = (YamlMappingNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Children[0];
        Assert.Equal("/healthz", Text(container, "livenessProbe", "httpGet", "path"));
        Assert.All(new[] { "startupProbe", "livenessProbe", "readinessProbe" }, p => Assert.Equal("HTTPS", Text(container, p, "httpGet", "scheme")));
        Assert.Equal("/readyz", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("assessment", Text(labels, "orleans/serviceId"));

        foreach (var selector in new[]
        {
            (YamlMappingNode)manifests.Single(m => Text(m, "kind") == "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
            (YamlMappingNode)manifests.Single(m => Text(m, "kind") == "Service" && Text(m, "metadata", "name") == "assessment")["spec"]["selector"],
        })
        {
            Assert.All(selector.Children, kv => Assert.Equal(((YamlScalarNode)kv.Value).Value, Text(labels, ((YamlScalarNode)kv.Key).Value!)));
        }

        var ports = ((YamlSequenceNode)container["ports"]).Children.Select(p => Text(p, "name")).ToHashSet();
        Assert.Superset(new HashSet<string?> { "grpc", "web" }, ports);
        var config = manifests.Single(m => Text(m, "kind") == "ConfigMap");
        Assert.Equal("adonet", Text(config, "data", "Cluster__Mode"));
        Assert.Equal("true", Text(config, "data", "Cluster__Kubernetes"));
    }

    [Fact]
    public void Pods_take_the_connection_string_from_the_secret_and_the_role_grants_what_kubernetes_hosting_needs()
    {
        var manifests = All().ToList();
        foreach (var kind in new[] { "Deployment", "Job" })
        {
            var pod = manifests.Single(m => Text(m, "kind") == kind)["spec"]["template"]["spec"];
            var env = ((YamlSequenceNode)((YamlSequenceNode)pod["containers"]).Children[0]["env"]).Children;
            var connection = env.Single(e => Text(e, "name") == "Database__ConnectionString");
            Assert.Equal("assessment-db", Text(connection, "valueFrom", "secretKeyRef", "name"));
        }

        // Keys are bearer tokens: the silos serve TLS from a mounted kubernetes.io/tls secret.
        var silo = manifests.Single(m => Text(m, "kind") == "Deployment")["spec"]["template"]["spec"];
        var container = ((YamlSequenceNode)silo["containers"]).Children[0];
        var siloEnv = ((YamlSequenceNode)container["env"]).Children;
        // Keys are bearer tokens (gRPC and web over TLS); silo-to-silo traffic is mutual TLS: both from mounted secrets,
        // each setting naming a file inside its secret's mount.
        foreach (var (volume, secret, prefix) in new[] { ("tls", "assessment-tls", "Tls__"), ("silo-tls", "assessment-silo-tls", "Cluster__Tls__") })
        {
            var mount = ((YamlSequenceNode)container["volumeMounts"]).Children.Single(v => Text(v, "name") == volume);
            Assert.All(new[] { prefix + "CertificateFile", prefix + "KeyFile" }, name =>
                Assert.StartsWith(Text(mount, "mountPath")! + "/", Text(siloEnv.Single(e => Text(e, "name") == name), "value")));
            Assert.Equal(secret, Text(((YamlSequenceNode)silo["volumes"]).Children.Single(v => Text(v, "name") == volume), "secret", "secretName"));
        }

        // The operator's first key comes from a secret too: no replica writes one to its disk.
        var operatorMount = ((YamlSequenceNode)container["volumeMounts"]).Children.Single(v => Text(v, "name") == "operator");
        Assert.StartsWith(Text(operatorMount, "mountPath")! + "/", Text(siloEnv.Single(e => Text(e, "name") == "OperatorKeyFile"), "value"));
        Assert.Equal("assessment-operator", Text(((YamlSequenceNode)silo["volumes"]).Children.Single(v => Text(v, "name") == "operator"), "secret", "secretName"));

        var role = manifests.Single(m => Text(m, "kind") == "Role");
        var verbs = ((YamlSequenceNode)((YamlSequenceNode)role["rules"]).Children[0]["verbs"]).Children.Select(v => ((YamlScalarNode)v).Value).ToHashSet();
        Assert.Superset(new HashSet<string?> { "get", "list", "watch", "delete" }, verbs);
    }

    [Fact]
    public void Every_port_of_every_workload_has_a_policy_saying_who_may_reach_it()
    {
        var manifests = All().ToList();
        var policies = manifests.Where(m => Text(m, "kind") == "NetworkPolicy").ToList();
        var workloads = manifests.Where(m => Text(m, "kind") is "Deployment" or "StatefulSet" or "Job").ToList();
        Assert.NotEmpty(policies);
        foreach (var workload in workloads)
        {
            var name = Text(workload, "spec", "template", "metadata", "labels", "app.kubernetes.io/name");
            var selecting = policies.Where(p => Text(p, "spec", "podSelector", "matchLabels", "app.kubernetes.io/name") == name).ToList();
            Assert.True(selecting.Count > 0, $"no NetworkPolicy selects {name}");
            var admitted = selecting.SelectMany(p => p["spec"] is YamlMappingNode spec && spec.Children.TryGetValue(new YamlScalarNode("ingress"), out var rules) && rules is YamlSequenceNode list
                    ? list.Children.Cast<YamlMappingNode>()
                    : [])
                .SelectMany(rule => rule.Children.TryGetValue(new YamlScalarNode("ports"), out var ports) ? ((YamlSequenceNode)ports).Children.Select(p => (Port: Text(p, "port"), Rule: rule)) : [])
                .ToList();
            var containers = (YamlSequenceNode)workload["spec"]["template"]["spec"]["containers"];
            foreach (var port in containers.Children.SelectMany(c => ((YamlMappingNode)c).Children.TryGetValue(new YamlScalarNode("ports"), out var ps) ? ((YamlSequenceNode)ps).Children : []))
            {
                var number = Text(port, "containerPort");
                Assert.True(admitted.Any(a => a.Port == number), $"{name}: port {number} has no ingress rule");
            }
        }

        // The Orleans silo port admits the silos only; there is no gateway port; metrics have their own port.
        var silo = policies.Single(p => Text(p, "metadata", "name") == "assessment-silo");
        var siloRule = ((YamlSequenceNode)silo["spec"]["ingress"]).Children.Cast<YamlMappingNode>()
            .Single(r => r.Children.TryGetValue(new YamlScalarNode("ports"), out var ps) && ((YamlSequenceNode)ps).Children.Any(p => Text(p, "port") == "11111"));
        var from = ((YamlSequenceNode)siloRule["from"]).Children.Single();
        Assert.Equal("assessment-silo", Text(from, "podSelector", "matchLabels", "app.kubernetes.io/name"));
        var deployment = workloads.Single(w => Text(w, "kind") == "Deployment");
        var containerPorts = ((YamlSequenceNode)((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Children[0]["ports"]).Children.Select(p => Text(p, "containerPort")).ToList();
        Assert.DoesNotContain("30000", containerPorts);
        Assert.Contains(Text(manifests.Single(m => Text(m, "kind") == "ConfigMap"), "data", "MetricsPort"), containerPorts);
    }
}

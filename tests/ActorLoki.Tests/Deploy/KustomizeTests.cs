using System.CommandLine;
using System.Text.Json.Nodes;
using ActorLoki.Cli;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Tests.Deploy;

/// <summary>
/// deploy/: every kustomization renders with <c>kubectl kustomize</c>; what it grants is exactly what the rendered
/// configuration needs; the Deployment is hardened; the rendered application.conf (and the overlay's overlay.conf,
/// through its include) passes <c>actorloki config validate</c>.
/// </summary>
public sealed class KustomizeTests : IDisposable
{
    public static readonly TheoryData<string> Kustomizations = new()
    {
        "deploy/base",
        "deploy/overlays/eks-fargate",
        "deploy/overlays/cluster-wide",
        "deploy/overlays/multi-namespace",
        "deploy/overlays/scale-out",
    };

    private const string ServiceAccount = "actorloki";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorloki-deploy-" + Guid.NewGuid().ToString("N"));

    public KustomizeTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static JsonObject Single(IReadOnlyList<JsonObject> objects, string kind) =>
        objects.Should().ContainSingle(o => (string?)o["kind"] == kind, $"one {kind} is rendered").Subject;

    private static string? NamespaceOf(JsonObject o) => (string?)o["metadata"]?["namespace"];

    /// <summary>Writes the rendered ConfigMap's files next to each other, as the pod sees them, and returns application.conf's path.</summary>
    private string WriteConfigFiles(IReadOnlyList<JsonObject> objects)
    {
        var configMap = Single(objects, "ConfigMap");
        foreach (var (name, value) in configMap["data"]!.AsObject())
        {
            File.WriteAllText(Path.Combine(_directory, name), (string)value!);
        }

        return Path.Combine(_directory, "application.conf");
    }

    private static ActorLokiSettings LoadSettings(string applicationConf) =>
        ActorLokiConfiguration.Load(new ConfigurationSources { ConfigFile = applicationConf }).GetSettingsOrThrow();

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Each_kustomization_renders_a_service_account_RBAC_a_config_map_a_service_and_one_deployment(string kustomization)
    {
        var objects = Repository.Kustomize(kustomization);

        var kinds = objects.Select(o => (string?)o["kind"]).ToHashSet();
        kinds.Should().Contain(["ServiceAccount", "ConfigMap", "Deployment", "Service"]);
        kinds.Should().Contain(k => k == "Role" || k == "ClusterRole");
        Single(objects, "Deployment");
        objects.Should().OnlyContain(o => (string?)o["apiVersion"] != null && (string?)o["metadata"]!["name"] != null);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task The_rendered_application_conf_with_its_overlay_passes_config_validate(string kustomization)
    {
        var applicationConf = WriteConfigFiles(Repository.Kustomize(kustomization));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { ConfigCommand.Create(output, error, () => new Dictionary<string, string>()) };

        var exit = await root.Parse(["config", "validate", "--config", applicationConf]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        exit.Should().Be(0, output.ToString());
        output.ToString().Should().Be($"OK: the configuration is valid ({applicationConf}).{Environment.NewLine}");
    }

    [Fact]
    public void The_overlays_settings_arrive_through_the_include_of_overlay_conf()
    {
        var eks = LoadSettings(WriteConfigFiles(Repository.Kustomize("deploy/overlays/eks-fargate")));

        eks.ClusterName.Should().Be("prod-eks");
        eks.Loki.BasicAuthPasswordFile.Should().Be("/var/run/secrets/loki/password");
        eks.Positions.Store.Should().Be(PositionsStoreKind.ConfigMap);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void RBAC_grants_exactly_what_the_rendered_configuration_needs(string kustomization)
    {
        var objects = Repository.Kustomize(kustomization);
        var settings = LoadSettings(WriteConfigFiles(objects));
        var own = NamespaceOf(Single(objects, "Deployment"));

        Granted(objects, own).Should().BeEquivalentTo(Needed(settings, own), kustomization);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_deployment_is_hardened_probed_sized_and_outlives_its_drain(string kustomization)
    {
        var objects = Repository.Kustomize(kustomization);
        var settings = LoadSettings(WriteConfigFiles(objects));
        var deployment = Single(objects, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!.AsObject();
        var container = pod["containers"]!.AsArray().Should().ContainSingle().Subject!.AsObject();

        if (settings.Cluster.Enabled)
        {
            ScalesOut(objects, deployment, container, settings.Cluster);
        }
        else
        {
            ((long)deployment["spec"]!["replicas"]!).Should().Be(1);
            ((string?)deployment["spec"]!["strategy"]!["type"]).Should().Be("Recreate", "an old and a new pod must never ship the same streams at once");
        }

        ((string?)pod["serviceAccountName"]).Should().Be(ServiceAccount);
        ((bool?)pod["securityContext"]!["runAsNonRoot"]).Should().BeTrue();
        ((long)pod["securityContext"]!["runAsUser"]!).Should().Be(1654);
        ((string?)pod["securityContext"]!["seccompProfile"]!["type"]).Should().Be("RuntimeDefault");
        var security = container["securityContext"]!;
        ((bool?)security["allowPrivilegeEscalation"]).Should().BeFalse();
        ((bool?)security["readOnlyRootFilesystem"]).Should().BeTrue();
        ((bool?)security["privileged"]).Should().NotBe(true);
        security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c).Should().Equal("ALL");
        security["capabilities"]!["add"].Should().BeNull();
        pod["hostNetwork"].Should().BeNull();
        pod["hostPID"].Should().BeNull();
        pod["volumes"]!.AsArray().Should().OnlyContain(v => v!["hostPath"] == null, "ActorLoki reads logs through the API, never from the node");

        var port = settings.Http.Port;
        container["ports"]!.AsArray().Select(p => (long)p!["containerPort"]!).Should().Contain(port);
        Probe(container, "livenessProbe").Should().Be(("/healthz", port));
        Probe(container, "startupProbe").Should().Be(("/healthz", port));
        Probe(container, "readinessProbe").Should().Be(("/readyz", port));

        var grace = TimeSpan.FromSeconds((long)pod["terminationGracePeriodSeconds"]!);
        grace.Should().BeGreaterThan(settings.Shutdown.DrainDeadline + TimeSpan.FromSeconds(10), "SIGTERM drains within shutdown.drain-deadline, and the host allows 10 s more");

        var resources = container["resources"]!;
        ((string?)resources["requests"]!["cpu"]).Should().NotBeNullOrEmpty();
        ((string?)resources["requests"]!["memory"]).Should().NotBeNullOrEmpty();
        ((string?)resources["limits"]!["memory"]).Should().NotBeNullOrEmpty();

        ((string?)container["image"]).Should().MatchRegex(@"^[^:]+:[0-9][^:]*$", "the image is pinned to a version");
        container["args"]!.AsArray().Select(a => (string?)a).Should().Equal("run");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_configuration_and_the_Loki_credentials_are_mounted_where_the_settings_look_for_them(string kustomization)
    {
        var objects = Repository.Kustomize(kustomization);
        var settings = LoadSettings(WriteConfigFiles(objects));
        var pod = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!.AsObject();
        var container = pod["containers"]![0]!.AsObject();
        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["name"]!, m => (string)m!["mountPath"]!);
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => v!.AsObject());

        var configPath = (string?)container["env"]!.AsArray().Single(e => (string?)e!["name"] == "ACTORLOKI_CONFIG")!["value"];
        configPath.Should().Be(mounts["config"] + "/application.conf");
        ((string?)volumes["config"]["configMap"]!["name"]).Should().Be((string?)Single(objects, "ConfigMap")["metadata"]!["name"]);
        container["volumeMounts"]!.AsArray().Should().OnlyContain(m => (bool?)m!["readOnly"] == true || (string?)m!["mountPath"] == "/tmp");

        var secret = volumes["loki-credentials"]["secret"]!;
        ((bool?)secret["optional"]).Should().BeTrue("the Secret is needed only when Loki wants credentials");
        foreach (var file in new[] { settings.Loki.BasicAuthPasswordFile, settings.Loki.BearerTokenFile }.Where(f => f.Length > 0))
        {
            file.Should().StartWith(mounts["loki-credentials"] + "/");
        }

        var env = container["env"]!.AsArray().Select(e => (string?)e!["name"]).ToList();
        env.Should().Contain(["POD_NAME", "POD_NAMESPACE"], "the shipper excludes its own pod and finds its namespace through them");
    }

    /// <summary>
    /// Scale-out: an odd number of replicas (keep-majority), replaced one at a time, the ports the replicas reach
    /// each other on, POD_IP from the downward API, a disruption budget of one, and pods that the bootstrap's
    /// selector finds.
    /// </summary>
    private static void ScalesOut(IReadOnlyList<JsonObject> objects, JsonObject deployment, JsonObject container, ClusterSettings cluster)
    {
        var replicas = (long)deployment["spec"]!["replicas"]!;
        replicas.Should().BeGreaterThanOrEqualTo(3, "with two, losing one leaves a tie that keep-majority may settle by stopping both");
        (replicas % 2).Should().Be(1, "an odd number of replicas never splits into two halves");
        var strategy = deployment["spec"]!["strategy"]!;
        ((string?)strategy["type"]).Should().Be("RollingUpdate", "a new replica joins before an old one hands its streams over");
        strategy["rollingUpdate"]!["maxUnavailable"]!.ToString().Should().BeOneOf("0", "0%");

        var ports = container["ports"]!.AsArray().Select(p => ((string?)p!["name"], (long)p["containerPort"]!)).ToList();
        ports.Should().Contain(p => p.Item2 == cluster.Port && !string.IsNullOrEmpty(p.Item1), "Akka remoting listens on cluster.port");
        ports.Should().Contain((cluster.Bootstrap.PortName, (long)cluster.Port), "the replicas find each other's remoting port by cluster.bootstrap.port-name");

        if (cluster.Hostname.Trim().Length == 0)
        {
            var podIp = container["env"]!.AsArray().Should().ContainSingle(e => (string?)e!["name"] == "POD_IP").Subject!;
            ((string?)podIp["valueFrom"]!["fieldRef"]!["fieldPath"]).Should().Be("status.podIP");
        }

        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject().ToDictionary(l => l.Key, l => (string?)l.Value);
        if (cluster.SeedNodes.Count == 0)
        {
            // Equality terms (k=v, k==v) only: the form the overlays use.
            foreach (var term in cluster.Bootstrap.PodLabelSelector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var pair = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                podLabels.Should().Contain(pair[0], pair[1], "cluster.bootstrap.pod-label-selector must find the Deployment's pods");
            }
        }

        var budget = Single(objects, "PodDisruptionBudget");
        ((long?)budget["spec"]!["maxUnavailable"]).Should().Be(1, "a drain takes one replica at a time, so a majority stays");
        NamespaceOf(budget).Should().Be(NamespaceOf(deployment));
        var selected = budget["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(l => l.Key, l => (string?)l.Value);
        selected.Should().NotBeEmpty();
        podLabels.Should().Contain(selected, "the budget selects the Deployment's pods");
    }

    private static (string? Path, long Port) Probe(JsonObject container, string name)
    {
        var get = container[name]!["httpGet"]!;
        var port = get["port"] is JsonValue value && value.TryGetValue<long>(out var number)
            ? number
            : (long)container["ports"]!.AsArray().Single(p => (string?)p!["name"] == (string?)get["port"])!["containerPort"]!;
        return ((string?)get["path"], port);
    }

    /// <summary>Every rule that applies to ActorLoki's service account, as "scope: rule" (scope: a namespace, or cluster).</summary>
    private static List<string> Granted(IReadOnlyList<JsonObject> objects, string? own)
    {
        var granted = new List<string>();
        foreach (var binding in objects.Where(o => (string?)o["kind"] is "RoleBinding" or "ClusterRoleBinding"))
        {
            var subjects = binding["subjects"]!.AsArray();
            subjects.Should().OnlyContain(
                s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == ServiceAccount && (string?)s["namespace"] == own,
                "bindings name ActorLoki's service account and nothing else");
            var roleRef = binding["roleRef"]!;
            var clusterRole = (string?)roleRef["kind"] == "ClusterRole";
            var role = objects.Single(o => (string?)o["kind"] == (string?)roleRef["kind"] && (string?)o["metadata"]!["name"] == (string?)roleRef["name"]
                && (clusterRole || NamespaceOf(o) == NamespaceOf(binding)));
            var scope = (string?)binding["kind"] == "ClusterRoleBinding" ? "cluster" : NamespaceOf(binding) ?? "(own)";
            granted.AddRange(role["rules"]!.AsArray().Select(r => $"{scope}: {Rule(r!)}"));
        }

        return granted;
    }

    private static List<string> Needed(ActorLokiSettings settings, string? own)
    {
        var ownScope = own ?? "(own)";
        var followed = settings.Kubernetes.AllNamespaces ? ["cluster"]
            : settings.Kubernetes.Namespaces.Count > 0 ? settings.Kubernetes.Namespaces
            : (IReadOnlyList<string>)[ownScope];
        var needed = new List<string>();
        foreach (var scope in followed)
        {
            needed.Add($"{scope}: [] pods [] get,list,watch");
            needed.Add($"{scope}: [] pods/log [] get");
        }

        // Scale-out's replicas find each other by listing the pods of their own namespace.
        var cluster = settings.Cluster;
        if (cluster.Enabled && cluster.SeedNodes.Count == 0 && !followed.Contains(ownScope) && !followed.Contains("cluster"))
        {
            needed.Add($"{ownScope}: [] pods [] list");
        }

        if (settings.Positions.Store == PositionsStoreKind.ConfigMap)
        {
            var scope = settings.Positions.ConfigMapNamespace.Length > 0 ? settings.Positions.ConfigMapNamespace : ownScope;
            needed.Add($"{scope}: [] configmaps [] create");
            needed.Add($"{scope}: [] configmaps [{string.Join(",", PositionsConfigMaps(settings).Order(StringComparer.Ordinal))}] get,update");
        }

        return needed;
    }

    /// <summary>
    /// The positions ConfigMaps: the single one; in cluster mode also one per shard, <c>{name}-NN</c> (two digits up
    /// to 100 shards, three beyond), the single one then only read to seed the shards.
    /// </summary>
    private static IEnumerable<string> PositionsConfigMaps(ActorLokiSettings settings)
    {
        var name = settings.Positions.ConfigMapName;
        yield return name;
        if (!settings.Cluster.Enabled)
        {
            yield break;
        }

        var format = settings.Cluster.Shards <= 100 ? "D2" : "D3";
        for (var shard = 0; shard < settings.Cluster.Shards; shard++)
        {
            yield return $"{name}-{shard.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}";
        }
    }

    private static string Rule(JsonNode rule)
    {
        static string Sorted(JsonNode? list, string separator) =>
            string.Join(separator, (list?.AsArray() ?? []).Select(i => (string)i!).Order(StringComparer.Ordinal));
        return $"[{Sorted(rule["apiGroups"], ",")}] {Sorted(rule["resources"], ",")} [{Sorted(rule["resourceNames"], ",")}] {Sorted(rule["verbs"], ",")}";
    }
}

using System.Text;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Kubernetes.Tests.Configuration;

public sealed class KubernetesClientConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_current_context_gives_server_namespace_and_token()
    {
        var path = _dir.File("config", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", "team-a"), ("prod", "c2", "u1", null)]));

        var config = KubernetesClientConfiguration.FromKubeconfig(path, environment: Env());

        config.Server.Should().Be(new Uri("https://c1.example:6443/"));
        config.Namespace.Should().Be("team-a");
        config.Credentials.Description.Should().Be("static token");
        config.Source.Should().Be($"kubeconfig {path} context dev");
    }

    [Fact]
    public void A_named_context_wins_over_the_current_one_and_a_context_without_namespace_means_default()
    {
        var path = _dir.File("config", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", "team-a"), ("prod", "c2", "u1", null)]));

        var config = KubernetesClientConfiguration.FromKubeconfig(path, context: "prod", environment: Env());

        config.Server.Should().Be(new Uri("https://c2.example:6443/"));
        config.Namespace.Should().Be("default");
    }

    [Fact]
    public void KUBECONFIG_files_are_merged_and_the_first_to_define_a_name_wins()
    {
        var first = _dir.File("a.yaml", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c1
              cluster: {server: "https://first.example"}
            """);
        var second = _dir.File("b.yaml", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", "ns-b")]));
        var env = Env(new() { ["KUBECONFIG"] = string.Join(Path.PathSeparator, first, _dir.File("missing.yaml"), second) });

        var config = KubernetesClientConfiguration.FromKubeconfig(environment: env);

        config.Server.Should().Be(new Uri("https://first.example/"));
        config.Namespace.Should().Be("ns-b");
    }

    [Fact]
    public void Without_KUBECONFIG_the_file_in_the_home_directory_is_used()
    {
        _dir.File(".kube/config", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", "home-ns")]));

        var config = KubernetesClientConfiguration.FromKubeconfig(environment: Env(home: _dir.Path));

        config.Namespace.Should().Be("home-ns");
    }

    [Fact]
    public void Relative_files_are_found_next_to_the_kubeconfig()
    {
        using var certificates = new SimulatorCertificates();
        var (certificate, key) = certificates.IssueClientCertificate("alice");
        _dir.File("certs/ca.pem", certificates.AuthorityPem);
        _dir.File("certs/client.pem", certificate);
        _dir.File("certs/client.key", key);
        _dir.File("secrets/token", "file-token");
        var path = _dir.File("config", KubeconfigYaml.Single(
            "https://10.0.0.1",
            ["certificate-authority: certs/ca.pem", "tls-server-name: kubernetes.default.svc"],
            ["tokenFile: secrets/token", "client-certificate: certs/client.pem", "client-key: certs/client.key"]));

        var config = KubernetesClientConfiguration.FromKubeconfig(path, environment: Env());

        config.CertificateAuthorities!.Should().ContainSingle().Which.Subject.Should().Be("CN=actorloki-simulator-ca");
        config.ClientCertificate!.HasPrivateKey.Should().BeTrue();
        config.ClientCertificate.Subject.Should().Be("CN=alice");
        config.TlsServerName.Should().Be("kubernetes.default.svc");
        config.Credentials.Description.Should().Be("token file " + Path.Combine(_dir.Path, "secrets", "token"));
    }

    [Fact]
    public void An_exec_plugin_with_a_relative_command_is_resolved_against_the_kubeconfig_directory()
    {
        var path = _dir.File("config", KubeconfigYaml.Single(
            "https://eks.example",
            [],
            ["exec:", "  apiVersion: client.authentication.k8s.io/v1", "  command: ./bin/aws-token", "  args: [eks, get-token]"]));

        var config = KubernetesClientConfiguration.FromKubeconfig(path, environment: Env());

        config.Credentials.Description.Should().Be("exec plugin " + Path.Combine(_dir.Path, "bin", "aws-token"));
    }

    [Theory]
    [InlineData("nope", "The kubeconfig has no context 'nope'; it has: dev, prod.")]
    public void An_unknown_context_names_the_ones_that_exist(string context, string message)
    {
        var path = _dir.File("config", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", null), ("prod", "c2", "u1", null)]));

        var load = () => KubernetesClientConfiguration.FromKubeconfig(path, context, environment: Env());

        load.Should().Throw<KubernetesConfigurationException>().WithMessage(message);
    }

    [Fact]
    public void Unsupported_or_broken_kubeconfigs_fail_with_a_message_that_says_why()
    {
        var authProvider = _dir.File("gcp", """
            current-context: c
            clusters: [{name: s, cluster: {server: "https://x"}}]
            users: [{name: u, user: {auth-provider: {name: gcp}}}]
            contexts: [{name: c, context: {cluster: s, user: u}}]
            """);
        var certWithoutKey = _dir.File("nokey", """
            current-context: c
            clusters: [{name: s, cluster: {server: "https://x"}}]
            users: [{name: u, user: {client-certificate-data: "AAAA"}}]
            contexts: [{name: c, context: {cluster: s, user: u}}]
            """);
        var notYaml = _dir.File("broken", "clusters: [unclosed\n");

        FluentActions.Invoking(() => KubernetesClientConfiguration.FromKubeconfig(authProvider, environment: Env()))
            .Should().Throw<KubernetesConfigurationException>().WithMessage("*auth-provider*exec plugin*");
        FluentActions.Invoking(() => KubernetesClientConfiguration.FromKubeconfig(certWithoutKey, environment: Env()))
            .Should().Throw<KubernetesConfigurationException>().WithMessage("*client certificate without a key*");
        FluentActions.Invoking(() => KubernetesClientConfiguration.FromKubeconfig(notYaml, environment: Env()))
            .Should().Throw<KubernetesConfigurationException>().WithMessage($"The kubeconfig {notYaml} is not valid YAML*");
        FluentActions.Invoking(() => KubernetesClientConfiguration.FromKubeconfig(environment: Env(home: _dir.File("nohome"))))
            .Should().Throw<KubernetesConfigurationException>().WithMessage("No kubeconfig: KUBECONFIG is not set and *config does not exist.");
    }

    [Fact]
    public void Auto_mode_is_in_cluster_when_the_service_variables_are_set()
    {
        _dir.File("sa/token", "t");
        _dir.File("sa/namespace", "shipping");
        _dir.File(".kube/config", Kubeconfig(current: "dev", contexts: [("dev", "c1", "u1", null)]));
        var inCluster = Env(new() { ["KUBERNETES_SERVICE_HOST"] = "fd00::1", ["KUBERNETES_SERVICE_PORT"] = "443" }, home: _dir.Path);
        var outside = Env(home: _dir.Path);

        var a = KubernetesClientConfiguration.Load(environment: inCluster);
        var b = KubernetesClientConfiguration.Load(environment: outside);

        a.Server.Should().Be(new Uri("https://[fd00::1]:443/"));
        a.Namespace.Should().Be("shipping");
        a.Credentials.Description.Should().Be("token file " + Path.Combine(_dir.Path, "sa", "token"));
        b.Source.Should().StartWith("kubeconfig ");
    }

    [Fact]
    public void In_cluster_without_a_mounted_token_says_so()
    {
        var env = Env(new() { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" });

        var load = () => KubernetesClientConfiguration.InCluster(environment: env);

        load.Should().Throw<KubernetesConfigurationException>().WithMessage("*token*does not exist (is automountServiceAccountToken false?)*");
    }

    private KubernetesEnvironment Env(Dictionary<string, string>? variables = null, string? home = null) =>
        new(variables ?? [], home ?? Path.Combine(_dir.Path, "no-home"), Path.Combine(_dir.Path, "sa"));

    private static string Kubeconfig(string current, (string Name, string Cluster, string User, string? Namespace)[] contexts)
    {
        var yaml = new StringBuilder($"""
            apiVersion: v1
            kind: Config
            current-context: {current}
            clusters:
            - name: c1
              cluster:
                server: https://c1.example:6443
            - name: c2
              cluster:
                server: https://c2.example:6443
            users:
            - name: u1
              user:
                token: abc
            contexts:

            """);
        foreach (var (name, cluster, user, ns) in contexts)
        {
            yaml.Append($"- name: {name}\n  context:\n    cluster: {cluster}\n    user: {user}\n");
            if (ns is not null)
            {
                yaml.Append($"    namespace: {ns}\n");
            }
        }

        return yaml.ToString();
    }
}

using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;

namespace ActorLoki.Kubernetes.Tests;

// The exec plugin is a shell script: these tests run where ActorLoki runs, on Linux.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuthenticationTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_rotated_service_account_token_is_read_again_after_a_401_and_the_request_succeeds()
    {
        using var dir = new TempDirectory();
        var tokenFile = dir.File("token");
        var clock = new ManualTimeProvider();
        await using var api = await SimulatedApi.StartAsync(clientTime: clock, configure: sim =>
        {
            File.WriteAllText(tokenFile, sim.Tokens.Current + "\n");
            return new KubernetesClientConfiguration { Server = sim.BaseAddress, Credentials = KubernetesCredentials.TokenFile(tokenFile, TimeSpan.FromMinutes(1)) };
        });
        await api.Client.ListPodsAsync(Ns);

        File.WriteAllText(tokenFile, api.Simulator.Tokens.Rotate());
        await api.Client.ListPodsAsync(Ns);

        api.Faults.Requests.Select(r => r.StatusCode).Should().Equal(200, 401, 200);
        api.Logs.Entries.Should().Contain(e => e.Id.Id == 5102).And.Contain(e => e.Id.Id == 5103);
    }

    [Fact]
    public async Task The_token_file_is_read_again_every_refresh_interval()
    {
        using var dir = new TempDirectory();
        var tokenFile = dir.File("token");
        var clock = new ManualTimeProvider();
        await using var api = await SimulatedApi.StartAsync(clientTime: clock, configure: sim =>
        {
            File.WriteAllText(tokenFile, sim.Tokens.Issue("first"));
            return new KubernetesClientConfiguration { Server = sim.BaseAddress, Credentials = KubernetesCredentials.TokenFile(tokenFile, TimeSpan.FromMinutes(1)) };
        });
        await api.Client.ListPodsAsync(Ns);

        File.WriteAllText(tokenFile, api.Simulator.Tokens.Issue("second"));
        await api.Client.ListPodsAsync(Ns);
        clock.Advance(TimeSpan.FromMinutes(1));
        await api.Client.ListPodsAsync(Ns);

        api.Faults.Requests.Select(r => (r.StatusCode, r.User)).Should().Equal((200, "first"), (200, "first"), (200, "second"));
    }

    [Fact]
    public async Task A_rejected_token_is_a_typed_401_that_never_shows_the_token()
    {
        await using var api = await SimulatedApi.StartAsync(configure: sim => new KubernetesClientConfiguration
        {
            Server = sim.BaseAddress,
            Credentials = KubernetesCredentials.Token("sim-not-a-valid-token"),
        });

        var list = () => api.Client.ListPodsAsync(Ns);

        var error = (await list.Should().ThrowAsync<KubernetesUnauthorizedException>()).Which;
        error.Message.Should().Be("Unauthorized");
        error.ToString().Should().NotContain("sim-not-a-valid-token");
        api.Logs.Entries.Should().NotContain(e => e.Message.Contains("sim-not-a-valid-token", StringComparison.Ordinal));
        api.Faults.Requests.Should().ContainSingle("a fixed token is not retried");
    }

    [Fact]
    public async Task In_cluster_configuration_uses_the_service_account_files_and_variables()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim =>
        {
            dir.File("serviceaccount/token", sim.Tokens.Current);
            dir.File("serviceaccount/ca.crt", sim.Certificates!.AuthorityPem);
            dir.File("serviceaccount/namespace", "dev1\n");
            var environment = new KubernetesEnvironment(
                new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = sim.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                serviceAccountDirectory: Path.Combine(dir.Path, "serviceaccount"));
            return KubernetesClientConfiguration.Load(KubernetesConnectionMode.Auto, environment: environment);
        });
        api.CreatePod("web-0");

        var pods = await api.Client.ListPodsAsync(api.Client.DefaultNamespace);

        api.Client.Configuration.Source.Should().Be("in-cluster");
        api.Client.DefaultNamespace.Should().Be("dev1");
        pods.Items.Should().ContainSingle();
        api.Faults.Requests.Should().OnlyContain(r => r.User == SimulatedApi.User);
    }

    [Fact]
    public async Task The_kubeconfig_CA_verifies_the_server_and_HTTP2_is_used_over_TLS()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim =>
            KubernetesClientConfiguration.FromKubeconfig(sim.WriteKubeconfig(dir.File("config"))));
        api.CreatePod("web-0");

        await api.Client.GetPodAsync(Ns, "web-0");

        api.Client.Configuration.CertificateAuthorities.Should().ContainSingle();
        api.Faults.Requests.Should().ContainSingle().Which.Protocol.Should().Be("HTTP/2");
    }

    [Fact]
    public async Task A_server_certificate_from_another_CA_is_refused()
    {
        using var strangers = new SimulatorCertificates();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim => new KubernetesClientConfiguration
        {
            Server = sim.BaseAddress,
            CertificateAuthorities = [X509CertificateLoader.LoadCertificate(strangers.Authority.RawData)],
            Credentials = KubernetesCredentials.Token(sim.Tokens.Current),
        });

        var list = () => api.Client.ListPodsAsync(Ns);

        var error = (await list.Should().ThrowAsync<KubernetesCertificateException>()).Which;
        error.InnerException.Should().BeOfType<System.Security.Authentication.AuthenticationException>();
        error.Message.Should().Contain("was refused: its certificate (CN=kube-apiserver) is not issued by the configured certificate authority");
        api.Faults.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_accepts_the_server_without_a_CA()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim =>
        {
            var path = dir.File("config", KubeconfigYaml.Single(
                sim.BaseAddress.ToString(), ["insecure-skip-tls-verify: true"], [$"token: {sim.Tokens.Current}"], "dev1"));
            return KubernetesClientConfiguration.FromKubeconfig(path);
        });

        var pods = await api.Client.ListPodsAsync(Ns);

        pods.Items.Should().BeEmpty();
        api.Client.Configuration.InsecureSkipTlsVerify.Should().BeTrue();
    }

    [Fact]
    public async Task A_client_certificate_from_the_kubeconfig_authenticates_without_a_token()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim =>
        {
            var (certificate, key) = sim.Certificates!.IssueClientCertificate("system:serviceaccount:dev1:shipper", "system:serviceaccounts");
            var path = dir.File("config", KubeconfigYaml.Single(
                sim.BaseAddress.ToString(),
                ["certificate-authority: ca/ca.pem"],
                [$"client-certificate-data: {B64(certificate)}", $"client-key-data: {B64(key)}"]));
            dir.File("ca/ca.pem", sim.Certificates.AuthorityPem);
            return KubernetesClientConfiguration.FromKubeconfig(path);
        });

        await api.Client.ListPodsAsync(Ns);

        api.Faults.Requests.Should().ContainSingle().Which.User.Should().Be("system:serviceaccount:dev1:shipper");
        api.Client.DefaultNamespace.Should().Be("default");
    }

    [Fact]
    public async Task An_exec_plugin_token_is_cached_until_it_expires()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var plugin = ExecPlugin.Create(dir, expires: "2026-01-01T00:10:00Z");
        await using var api = await SimulatedApi.StartAsync(clientTime: clock, configure: sim =>
        {
            File.WriteAllText(plugin.TokenFile, sim.Tokens.Current);
            return KubernetesClientConfiguration.FromKubeconfig(plugin.WriteKubeconfig(sim.BaseAddress));
        });

        for (var i = 0; i < 3; i++)
        {
            await api.Client.ListPodsAsync(Ns);
        }

        plugin.Runs.Should().Be(1);
        clock.Advance(TimeSpan.FromMinutes(11));
        await api.Client.ListPodsAsync(Ns);

        plugin.Runs.Should().Be(2);
        File.ReadAllLines(plugin.RunsFile).Should().AllBe("get-token --cluster sim");
        File.ReadAllText(plugin.InfoFile).Should().Contain("\"kind\":\"ExecCredential\"").And.Contain("\"interactive\":false");
        api.Faults.Requests.Should().OnlyContain(r => r.StatusCode == 200);
        api.Logs.Entries.Should().NotContain(e => e.Message.Contains(api.Simulator.Tokens.Current, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exec_plugin_is_run_again_after_a_401()
    {
        using var dir = new TempDirectory();
        var plugin = ExecPlugin.Create(dir, expires: "2099-01-01T00:00:00Z");
        await using var api = await SimulatedApi.StartAsync(configure: sim =>
        {
            File.WriteAllText(plugin.TokenFile, sim.Tokens.Current);
            return KubernetesClientConfiguration.FromKubeconfig(plugin.WriteKubeconfig(sim.BaseAddress));
        });
        await api.Client.ListPodsAsync(Ns);

        File.WriteAllText(plugin.TokenFile, api.Simulator.Tokens.Rotate());
        await api.Client.ListPodsAsync(Ns);

        plugin.Runs.Should().Be(2);
        api.Faults.Requests.Select(r => r.StatusCode).Should().Equal(200, 401, 200);
    }

    [Fact]
    public async Task A_failing_exec_plugin_is_reported_with_its_exit_code_and_error_output()
    {
        using var dir = new TempDirectory();
        var script = dir.File("broken.sh", "#!/bin/sh\necho 'error: SSO session expired, run aws sso login' >&2\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var api = await SimulatedApi.StartAsync(configure: sim => new KubernetesClientConfiguration
        {
            Server = sim.BaseAddress,
            Credentials = KubernetesCredentials.Exec(new ExecCredentialSettings { Command = script }),
        });

        var list = () => api.Client.ListPodsAsync(Ns);

        (await list.Should().ThrowAsync<KubernetesConfigurationException>()).Which.Message
            .Should().Be($"The exec credential plugin {script} exited with code 3: error: SSO session expired, run aws sso login");
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}

using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Kubernetes.Tests;

public sealed class CertificateTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_certificate_from_the_configured_CA_but_for_another_name_is_refused_with_a_clear_error()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(
            new KubernetesSimulatorOptions { Tls = true, ServerCertificateNames = ["wrong.example"] },
            configure: sim => KubernetesClientConfiguration.FromKubeconfig(sim.WriteKubeconfig(dir.File("config"))));

        var list = () => api.Client.ListPodsAsync(Ns);
        var log = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new ActorLoki.Kubernetes.Logs.LogOptions());

        var error = (await list.Should().ThrowAsync<KubernetesCertificateException>()).Which;
        error.Message.Should().Be(
            $"The certificate of the API server {api.Simulator.BaseAddress} was refused: its certificate is for wrong.example, not for 127.0.0.1; " +
            "connect to a name the certificate holds, or set tls-server-name in the kubeconfig's cluster");
        error.InnerException.Should().BeOfType<System.Security.Authentication.AuthenticationException>();
        await log.Should().ThrowAsync<KubernetesCertificateException>();
        api.Faults.Requests.Should().BeEmpty("no request may reach a server whose certificate was refused");
    }

    [Fact]
    public async Task A_tls_server_name_the_certificate_does_not_hold_is_refused()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, configure: sim =>
            KubernetesClientConfiguration.FromKubeconfig(dir.File("config", KubeconfigYaml.Single(
                sim.BaseAddress.ToString(),
                [$"certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(sim.Certificates!.AuthorityPem))}", "tls-server-name: wrong.example"],
                [$"token: {sim.Tokens.Current}"]))));

        var list = () => api.Client.ListPodsAsync(Ns);

        (await list.Should().ThrowAsync<KubernetesCertificateException>()).Which.Message
            .Should().Contain("its certificate is for localhost, kubernetes.default.svc, 127.0.0.1, not for wrong.example");
        api.Faults.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_tls_server_name_the_certificate_holds_is_accepted_at_another_address()
    {
        using var dir = new TempDirectory();
        await using var api = await SimulatedApi.StartAsync(
            new KubernetesSimulatorOptions { Tls = true, ServerCertificateNames = ["kubernetes.default.svc"] },
            configure: sim => KubernetesClientConfiguration.FromKubeconfig(dir.File("config", KubeconfigYaml.Single(
                sim.BaseAddress.ToString(),
                [$"certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(sim.Certificates!.AuthorityPem))}", "tls-server-name: kubernetes.default.svc"],
                [$"token: {sim.Tokens.Current}"]))));

        var pods = await api.Client.ListPodsAsync(Ns);

        pods.Items.Should().BeEmpty();
        api.Faults.Requests.Should().ContainSingle().Which.Protocol.Should().Be("HTTP/2");
    }
}

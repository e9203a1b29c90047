using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Informers;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;
using k8s.Models;

namespace ActorLoki.Kubernetes.Tests;

/// <summary>
/// Credentials the package cannot refresh as a shipper needs: a kubeconfig tokenFile (which the package rejects),
/// a projected service-account token rotated under running streams, and exec plugins run one at a time.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CredentialRefreshTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_kubeconfig_tokenFile_is_used_and_a_rotated_file_is_seen_within_seconds_without_a_401()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTimeProvider();
        await using var api = await SimulatedApi.StartAsync(clientTime: clock, configure: sim =>
        {
            dir.File("secrets/token", sim.Tokens.Current);
            return KubernetesClientConfiguration.FromKubeconfig(dir.File("config", KubeconfigYaml.Single(
                sim.BaseAddress.ToString(), [], ["tokenFile: secrets/token"], Ns)));
        });
        await api.Client.ListPodsAsync(Ns);

        File.WriteAllText(dir.File("secrets/token"), api.Simulator.Tokens.Rotate());
        File.SetLastWriteTimeUtc(dir.File("secrets/token"), DateTime.UtcNow.AddSeconds(10));
        clock.Advance(TokenFileProvider.ChangeCheckInterval);
        await api.Client.ListPodsAsync(Ns);

        api.Client.Configuration.Credentials.Description.Should().Be("token file " + Path.Combine(dir.Path, "secrets", "token"));
        api.Faults.Requests.Select(r => (r.StatusCode, r.User)).Should().Equal((200, SimulatedApi.User), (200, SimulatedApi.User));
    }

    [Fact]
    public async Task In_cluster_a_token_rotated_while_a_follow_a_watch_and_ConfigMap_writes_run_is_taken_up_without_an_error()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTimeProvider();
        var tokenFile = dir.File("serviceaccount/token");
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { Tls = true }, clientTime: clock, configure: sim =>
        {
            File.WriteAllText(tokenFile, sim.Tokens.Current);
            dir.File("serviceaccount/ca.crt", sim.Certificates!.AuthorityPem);
            dir.File("serviceaccount/namespace", Ns);
            return KubernetesClientConfiguration.InCluster(environment: new KubernetesEnvironment(
                new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = sim.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                serviceAccountDirectory: Path.Combine(dir.Path, "serviceaccount")));
        });
        api.CreatePod("web-0");
        await using var informer = new InformerRun(api.Client, new PodInformerOptions { Namespace = Ns, MinBackoff = TimeSpan.Zero });
        await informer.NextAsync(1);
        var follow = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        var positions = await api.Client.CreateConfigMapAsync(Ns, new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "positions" } });
        var before = api.Faults.Requests.Count;

        File.WriteAllText(tokenFile, api.Simulator.Tokens.Rotate());
        File.SetLastWriteTimeUtc(tokenFile, DateTime.UtcNow.AddSeconds(10));
        clock.Advance(TokenFileProvider.ChangeCheckInterval);

        // Open streams go on (a server authenticates a request when it starts); new requests carry the new token.
        positions.Data = new Dictionary<string, string> { ["k"] = "v" };
        await api.Client.UpdateConfigMapAsync(Ns, positions);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 after rotation");
        using (var chunk = await follow.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit))
        {
            chunk!.GetString(0).Should().Be("seq=0 after rotation");
        }

        api.CreatePod("web-1");
        (await informer.NextAsync(1)).Should().Equal((PodEventType.Added, "web-1", false));
        api.Faults.DropWatches();
        api.Faults.DropLogStreams();
        api.CreatePod("web-2");
        (await informer.NextAsync(1)).Should().Equal((PodEventType.Added, "web-2", false));
        await follow.DisposeAsync();
        await using var reopened = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        using (var chunk = await reopened.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit))
        {
            chunk!.GetString(0).Should().Be("seq=0 after rotation");
        }

        api.Faults.Requests.Skip(before).Should().NotBeEmpty().And.OnlyContain(r => r.StatusCode == 200 && r.User == SimulatedApi.User);
    }

    [Fact]
    public async Task Concurrent_first_requests_run_the_exec_plugin_once()
    {
        using var dir = new TempDirectory();
        var plugin = ExecPlugin.Create(dir, expires: "2099-01-01T00:00:00Z");
        await using var api = await SimulatedApi.StartAsync(configure: sim =>
        {
            File.WriteAllText(plugin.TokenFile, sim.Tokens.Current);
            return KubernetesClientConfiguration.FromKubeconfig(plugin.WriteKubeconfig(sim.BaseAddress, Ns));
        });

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => api.Client.ListPodsAsync(Ns)));

        plugin.Runs.Should().Be(1, "the package's own provider ran the plugin 17 times for 20 concurrent requests");
        api.Faults.Requests.Should().HaveCount(20).And.OnlyContain(r => r.StatusCode == 200);
    }

    [Fact]
    public async Task An_exec_plugin_token_is_refreshed_shortly_before_its_expirationTimestamp()
    {
        using var dir = new TempDirectory();
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var plugin = ExecPlugin.Create(dir, expires: "2026-01-01T00:10:00Z");
        await using var api = await SimulatedApi.StartAsync(clientTime: clock, configure: sim =>
        {
            File.WriteAllText(plugin.TokenFile, sim.Tokens.Current);
            return KubernetesClientConfiguration.FromKubeconfig(plugin.WriteKubeconfig(sim.BaseAddress, Ns));
        });
        await api.Client.ListPodsAsync(Ns);

        clock.Advance(TimeSpan.FromMinutes(10) - ExecCredentialProvider.RefreshBeforeExpiry - TimeSpan.FromSeconds(1));
        await api.Client.ListPodsAsync(Ns);
        var runsBeforeTheMargin = plugin.Runs;
        clock.Advance(TimeSpan.FromSeconds(1));
        await api.Client.ListPodsAsync(Ns);

        runsBeforeTheMargin.Should().Be(1);
        plugin.Runs.Should().Be(2, "the token is refreshed before it expires, not after a request failed with it");
        api.Faults.Requests.Should().OnlyContain(r => r.StatusCode == 200);
    }
}

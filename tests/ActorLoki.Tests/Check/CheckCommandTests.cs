using System.Text;
using ActorLoki.Cli;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Positions;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using ActorLoki.Tests.Hosting;

namespace ActorLoki.Tests.Check;

/// <summary>`actorloki check` against the simulated API server and the Loki-compatible receiver, through a kubeconfig as a user would.</summary>
public sealed partial class CheckCommandTests : SimulatedBackends
{
    private const string ServiceAccount = "system:serviceaccount:shop:actorloki";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorloki-check-" + Guid.NewGuid().ToString("N"));
    private string _kubeconfig = null!;

    protected override string User => ServiceAccount;

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await base.InitializeAsync();
        _kubeconfig = Kube.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"));
    }

    public override async Task DisposeAsync()
    {
        StopListeners();
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<(int Exit, string Output, string Error)> CheckAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exit = await ActorLokiCli.InvokeAsync(
            ["check", "--set", "kubernetes.mode=kubeconfig", "--set", $"kubernetes.kubeconfig={_kubeconfig}", "--loki-url", Loki.PushUrl.ToString(), "--timeout", "10s", .. args],
            output,
            error,
            timeout.Token);
        return (exit, output.ToString(), error.ToString());
    }

    private void CreatePodWithALine()
    {
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });
        Kube.Cluster.WriteLog(Ns, "web-0", "app", "hello");
    }

    private KubernetesClient Client() => new(new KubernetesClientConfiguration
    {
        Server = Kube.BaseAddress,
        Credentials = KubernetesCredentials.Token(Kube.Tokens.Current),
    });

    [Fact]
    public async Task A_check_that_passes_says_so_for_every_step_pushes_one_test_line_and_exits_zero()
    {
        CreatePodWithALine();

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(0, output);
        output.Should().Contain("✓ configuration is valid");
        output.Should().Contain($"✓ API server {Kube.BaseAddress}");
        output.Should().Contain("credentials: static token").And.NotContain(Kube.Tokens.Current);
        output.Should().Contain($"✓ list pods in {Ns}: 1 pod");
        output.Should().Contain($"✓ watch pods in {Ns}");
        output.Should().Contain($"✓ get pods/log in {Ns}: read the log of web-0/app");
        output.Should().Contain($"✓ read positions ConfigMap {Ns}/actorloki-positions: does not exist yet");
        output.Should().Contain($"✓ write positions ConfigMap {Ns}/actorloki-positions: created it, empty");
        output.Should().Contain("✓ Loki ").And.Contain("accepted a test line (204)");
        output.Should().NotContain("✗");
        output.Should().EndWith($"All 8 checks passed.{Environment.NewLine}");

        var stream = Loki.Streams().Should().ContainSingle().Subject;
        stream.LabelValues["app"].Should().Be("actorloki-check");
        stream.Entries.Should().ContainSingle().Which.Line.Should().StartWith("actorloki check: test line from ");

        // The ConfigMap it created is one the shipper reads as "no positions yet".
        using var client = Client();
        var created = await client.GetConfigMapAsync(Ns, "actorloki-positions");
        PositionsDocument.Deserialize(Encoding.UTF8.GetBytes(created.Data![ConfigMapPositionsStore.DataKey]), "test").Should().BeEmpty();
    }

    [Fact]
    public async Task A_denied_watch_is_a_cross_with_the_verb_the_resource_and_how_to_grant_it_and_the_exit_code_is_one()
    {
        CreatePodWithALine();
        Kube.Faults.Deny("watch", "pods");

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(1);
        output.Should().Contain($"✗ watch pods in {Ns}: 403 Forbidden: ");
        output.Should().Contain($"cannot watch resource \"pods\"");
        output.Should().Contain($"→ grant verb \"watch\" on resource \"pods\" (API group \"\") to {ServiceAccount} in namespace {Ns}");
        output.Should().Contain($"→ verify: kubectl auth can-i watch pods -n {Ns} --as={ServiceAccount}");
        output.Should().Contain($"✓ list pods in {Ns}").And.Contain($"✓ get pods/log in {Ns}");
        output.Should().EndWith($"1 of 8 checks failed.{Environment.NewLine}");
    }

    [Fact]
    public async Task A_denied_log_read_names_the_subresource()
    {
        CreatePodWithALine();
        Kube.Faults.Deny("get", "pods/log");

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(1);
        output.Should().Contain($"✗ get pods/log in {Ns}: 403 Forbidden: ");
        output.Should().Contain("→ grant verb \"get\" on resource \"pods/log\"");
        output.Should().Contain($"→ verify: kubectl auth can-i get pods --subresource=log -n {Ns} --as={ServiceAccount}");
    }

    [Fact]
    public async Task Without_pods_the_log_permission_is_checked_on_a_pod_that_does_not_exist()
    {
        var (allowedExit, allowed, _) = await CheckAsync();
        Kube.Faults.Deny("get", "pods/log");
        var (deniedExit, denied, _) = await CheckAsync();

        allowedExit.Should().Be(0, allowed);
        allowed.Should().Contain($"✓ get pods/log in {Ns}: allowed (no pod has run yet");
        deniedExit.Should().Be(1);
        denied.Should().Contain($"✗ get pods/log in {Ns}: 403 Forbidden");
    }

    [Fact]
    public async Task An_existing_positions_ConfigMap_is_written_back_unchanged()
    {
        CreatePodWithALine();
        (await CheckAsync()).Exit.Should().Be(0);
        using var client = Client();
        var before = await client.GetConfigMapAsync(Ns, "actorloki-positions");

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(0, output);
        output.Should().Contain($"✓ read positions ConfigMap {Ns}/actorloki-positions: 0 stream positions");
        output.Should().Contain($"✓ write positions ConfigMap {Ns}/actorloki-positions: wrote it back unchanged");
        var after = await client.GetConfigMapAsync(Ns, "actorloki-positions");
        after.Data.Should().BeEquivalentTo(before.Data);
        after.Metadata!.Labels.Should().BeEquivalentTo(before.Metadata!.Labels);
    }

    [Fact]
    public async Task A_dry_run_reaches_Loki_with_an_empty_push_that_stores_nothing()
    {
        CreatePodWithALine();

        var (exit, output, _) = await CheckAsync("--dry-run");

        exit.Should().Be(0, output);
        output.Should().Contain("reachable, credentials and tenant accepted (an empty push, 204; nothing stored)");
        Loki.Statistics.Requests.Should().Be(1);
        Loki.Statistics.EntriesAccepted.Should().Be(0);
    }

    [Fact]
    public async Task Loki_refusing_the_credentials_is_a_cross_that_says_what_401_means()
    {
        CreatePodWithALine();
        Loki.Faults.Always(LokiFault.Status(401, body: "no org id"));

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(1);
        output.Should().Contain("✗ Loki ").And.Contain("did not accept a test line: 401 Unauthorized: no org id");
        output.Should().Contain("→ a multi-tenant Loki answers 401 \"no org id\" without a tenant: set loki.tenant-id");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_missing_Loki_password_file_is_a_cross_that_says_to_mount_the_Secret(bool dryRun)
    {
        CreatePodWithALine();
        string[] args = ["--set", "loki.basic-auth-username=shipper", "--set", "loki.basic-auth-password-file=/nonexistent/password"];

        var (exit, output, _) = await CheckAsync(dryRun ? [.. args, "--dry-run"] : args);

        exit.Should().Be(1);
        output.Should().Contain("✗ Loki ").And.Contain("/nonexistent/password");
        output.Should().Contain("→ a file the loki settings name cannot be read: mount the Secret that holds it at that path");
    }

    [Fact]
    public async Task An_unreachable_API_server_is_a_cross_and_the_other_Kubernetes_checks_are_not_tried()
    {
        var kubeconfig = File.ReadAllText(_kubeconfig).Replace(Kube.BaseAddress.GetLeftPart(UriPartial.Authority), "http://127.0.0.1:1", StringComparison.Ordinal);
        File.WriteAllText(_kubeconfig, kubeconfig);

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(1);
        output.Should().Contain("✗ API server http://127.0.0.1:1/").And.Contain("cannot reach the API server");
        output.Should().NotContain("list pods");
        output.Should().Contain("✓ Loki ");
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_is_a_cross_that_says_why_and_the_fix()
    {
        await using var tls = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Tls = true, Namespace = Ns, ServerCertificateNames = ["wrong.example"] });
        _kubeconfig = tls.WriteKubeconfig(Path.Combine(_directory, "tls-kubeconfig"));

        var (exit, output, _) = await CheckAsync();

        exit.Should().Be(1);
        output.Should().Contain("its certificate is for wrong.example, not for 127.0.0.1")
            .And.Contain("→ trust the CA that signed the server's certificate");
        output.Should().NotContain("list pods");
        tls.Faults.Requests.Should().BeEmpty();
    }
}

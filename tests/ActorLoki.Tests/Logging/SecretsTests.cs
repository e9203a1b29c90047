using System.Diagnostics;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Simulator.Loki;
using ActorLoki.Tests.Hosting;

namespace ActorLoki.Tests.Logging;

/// <summary>
/// Secrets never reach the output: the built executable runs as a process at Debug level, with a Loki password file,
/// a Loki bearer-token file and a Kubernetes bearer token in the kubeconfig, and neither value appears in what it prints.
/// </summary>
public sealed class SecretsTests : SimulatedBackends
{
    private const string LokiPassword = "loki-password-5e8c1f0b2d";
    private const string LokiToken = "loki-token-7a4d9e2c61";
    private const string HeaderKey = "header-api-key-0c9b8a7f";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorloki-secrets-" + Guid.NewGuid().ToString("N"));
    private string _kubeconfig = null!;
    private string _passwordFile = null!;
    private string _tokenFile = null!;

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await base.InitializeAsync();
        _kubeconfig = Kube.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"));
        _passwordFile = Path.Combine(_directory, "password");
        _tokenFile = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(_passwordFile, LokiPassword + "\n");
        await File.WriteAllTextAsync(_tokenFile, LokiToken + "\n");
        Kube.Cluster.CreatePod(new PodSpecification("web-0") { Namespace = Ns });
        Kube.Cluster.WriteLog(Ns, "web-0", "app", "a line to ship");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string[] Common(params string[] loki) =>
    [
        "--set", "logging.level=Debug",
        "--set", "kubernetes.mode=kubeconfig",
        "--set", $"kubernetes.kubeconfig={_kubeconfig}",
        "--set", "positions.store=memory",
        "--set", "http.port=0",
        "--loki-url", Loki.PushUrl.ToString(),
        .. loki,
    ];

    private string[] BasicAuth => ["--set", "loki.basic-auth-username=shipper", "--set", $"loki.basic-auth-password-file={_passwordFile}"];

    private string[] BearerToken => ["--set", $"loki.bearer-token-file={_tokenFile}"];

    private void ShouldHoldNoSecret(string output)
    {
        output.Should().NotContain(LokiPassword).And.NotContain(LokiToken).And.NotContain(HeaderKey).And.NotContain(Kube.Tokens.Current);
        output.Should().NotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("shipper:" + LokiPassword)));
    }

    [Fact]
    public async Task Config_print_at_debug_shows_no_secret()
    {
        var environment = new Dictionary<string, string> { ["LOKI_API_KEY"] = HeaderKey };
        await using var process = ActorLokiProcess.Start(
            ["config", "print", "--origin", .. Common(BasicAuth), "--set", "loki.headers={ \"X-Api-Key\" = ${LOKI_API_KEY} }"],
            environment);

        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exit.Should().Be(0, process.Output);
        process.Output.Should().Contain("basic-auth-password-file").And.Contain("X-Api-Key = \"<redacted>\"");
        ShouldHoldNoSecret(process.Output);
    }

    [Fact]
    public async Task Check_at_debug_pushes_with_basic_auth_and_shows_no_secret()
    {
        await using var process = ActorLokiProcess.Start(["check", .. Common(BasicAuth)]);

        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exit.Should().Be(0, process.Output);
        process.Output.Should().Contain("accepted a test line").And.Contain("\"Level\":\"Debug\"", "the clients log at Debug");
        ShouldHoldNoSecret(process.Output);
    }

    [Fact]
    public async Task Run_at_debug_ships_with_a_bearer_token_drains_on_SIGTERM_and_shows_no_secret()
    {
        await using var process = ActorLokiProcess.Start(["run", "--namespace", Ns, .. Common(BearerToken), "--set", "loki.batch.max-wait=100ms"]);
        await Loki.WaitForEntriesAsync(1).WaitAsync(TimeSpan.FromSeconds(60));

        process.Terminate();
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exit.Should().Be(0, process.Output);
        // Serilog renders a boolean in a message as .NET writes it (True); in the JSON fields it stays a JSON true.
        process.Output.Should().Contain("Stopped: everything pushed = True").And.Contain("\"Drained\":true");
        ShouldHoldNoSecret(process.Output);
    }
}

/// <summary>The built actorloki executable as a child process, its standard output and error collected together.</summary>
internal sealed class ActorLokiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LogCollector _output = new();

    private ActorLokiProcess(Process process) => _process = process;

    public string Output => _output.Text;

    public static ActorLokiProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "actorloki.dll");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var wrapper = new ActorLokiProcess(new Process { StartInfo = start });
        wrapper._process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        wrapper._process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        wrapper._process.Start();
        wrapper._process.BeginOutputReadLine();
        wrapper._process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>SIGTERM, as Kubernetes sends it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _output.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _output.Write(line + "\n");
        }
    }
}

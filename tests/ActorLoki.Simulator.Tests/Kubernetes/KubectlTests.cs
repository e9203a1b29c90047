using System.Diagnostics;
using System.Threading.Channels;
using ActorLoki.Simulator.Kubernetes;
using Xunit.Abstractions;

namespace ActorLoki.Simulator.Tests.Kubernetes;

/// <summary>The real kubectl against the simulator: it must take it for an API server.</summary>
public sealed class KubectlTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorloki-kubectl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task kubectl_get_pods_watch_shows_pods_as_they_come_and_go()
    {
        if (Kubectl() is not { } kubectl)
        {
            output.WriteLine("kubectl is not on the PATH; nothing to check.");
            return;
        }

        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "dev1", Tls = true });
        simulator.Cluster.CreatePod(new PodSpecification("web-0") { Containers = ["app", "proxy"] });
        using var process = Start(kubectl, simulator, "get", "pods", "-w");

        (await process.LineAsync(l => l.StartsWith("NAME", StringComparison.Ordinal))).Should().MatchRegex(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$");
        (await process.LineAsync(l => l.StartsWith("web-0", StringComparison.Ordinal))).Should().MatchRegex(@"^web-0\s+2/2\s+Running\s+0\s+\d+s$");
        simulator.Cluster.CreatePod(new PodSpecification("job-1") { Start = false });
        (await process.LineAsync(l => l.StartsWith("job-1", StringComparison.Ordinal))).Should().MatchRegex(@"^job-1\s+0/1\s+ContainerCreating\s+0\s+\d+s$");
        simulator.Cluster.StartPod("dev1", "job-1");
        (await process.LineAsync(l => l.StartsWith("job-1", StringComparison.Ordinal))).Should().MatchRegex(@"^job-1\s+1/1\s+Running\s+0\s+\d+s$");
        simulator.Cluster.DeletePod("dev1", "web-0");
        (await process.LineAsync(l => l.StartsWith("web-0", StringComparison.Ordinal))).Should().MatchRegex(@"^web-0\s+0/2\s+Terminating\s+0\s+\d+s$");
    }

    [Fact]
    public async Task kubectl_logs_follow_with_timestamps_prints_every_line_and_ends_with_the_container()
    {
        if (Kubectl() is not { } kubectl)
        {
            output.WriteLine("kubectl is not on the PATH; nothing to check.");
            return;
        }

        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "dev1", Tls = true });
        var pod = simulator.Cluster.CreatePod(new PodSpecification("web-0") { Containers = ["app", "proxy"] });
        simulator.Cluster.WriteLog("dev1", "web-0", "app", "seq=0 written before kubectl started");
        using var process = Start(kubectl, simulator, "logs", "-f", "--timestamps", "web-0", "-c", "app");

        await process.LineAsync(l => l.EndsWith("seq=0 written before kubectl started", StringComparison.Ordinal));
        simulator.Cluster.WriteLog("dev1", "web-0", "app", "seq=1 written while following");
        await process.LineAsync(l => l.EndsWith("seq=1 written while following", StringComparison.Ordinal));
        simulator.Cluster.RestartContainer("dev1", "web-0", "app");

        (await process.ExitAsync()).Should().Be(0);
        var expected = simulator.Cluster.Ledger.LinesOf(pod.Uid, "app").Select(l => $"{KubeletTime.Format(l.Timestamp)} {l.Text}");
        process.Lines.Should().Equal(expected);
    }

    private static string? Kubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "kubectl"))
            .FirstOrDefault(File.Exists);

    private KubectlProcess Start(string kubectl, KubernetesSimulator simulator, params string[] args)
    {
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(simulator.WriteKubeconfig(Path.Combine(_dir, "kubeconfig")));
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(_dir, "cache"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = _dir;
        start.Environment.Remove("KUBECONFIG");
        return new KubectlProcess(Process.Start(start)!, output);
    }

    /// <summary>kubectl's output, read line by line with bounded waits; the process is killed when disposed.</summary>
    private sealed class KubectlProcess : IDisposable
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly Task _reader;

        public KubectlProcess(Process process, ITestOutputHelper output)
        {
            _process = process;
            _reader = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    output.WriteLine("kubectl> " + line);
                    Lines.Add(line);
                    await _lines.Writer.WriteAsync(line);
                }

                _lines.Writer.Complete();
            });
            _ = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    output.WriteLine("kubectl stderr> " + line);
                }
            });
        }

        public List<string> Lines { get; } = [];

        public async Task<string> LineAsync(Func<string, bool> match)
        {
            using var timeout = new CancellationTokenSource(Limit);
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(timeout.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }

        public async Task<int> ExitAsync()
        {
            using var timeout = new CancellationTokenSource(Limit);
            await _process.WaitForExitAsync(timeout.Token);
            await _reader.WaitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}

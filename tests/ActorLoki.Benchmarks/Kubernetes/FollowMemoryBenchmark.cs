using System.Diagnostics;
using System.Globalization;
using ActorLoki.Benchmarks.EndToEnd;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Benchmarks.Kubernetes;

/// <summary>
/// What one idle followed log stream costs the client, apart from the shipper's actors: a simulator with
/// N quiet containers runs in a child process (<c>kube-logs --serve</c>); this process follows every one of
/// them through <see cref="KubernetesClient"/>, reads the first chunk and waits for the next, then reports
/// managed heap and resident set per stream. Options: <c>--containers N</c> (1,000) <c>--tls</c>.
/// </summary>
public sealed class FollowMemoryBenchmark : IBenchmark
{
    public string Name => "follow-memory";

    public string Description => "Kubernetes client: managed heap and RSS per idle followed log stream (HTTP/1.1 or HTTPS/2)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var containers = Array.IndexOf(args, "--containers") is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 1000;
        var tls = args.Contains("--tls");
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FollowMemoryBenchmark).Assembly.Location);
        }

        foreach (var arg in (string[])["kube-logs", "--serve", "--lines", containers.ToString(CultureInfo.InvariantCulture), "--containers", containers.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        if (tls)
        {
            start.ArgumentList.Add("--tls");
        }

        using var server = Process.Start(start)!;
        try
        {
            var parts = (await server.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("no simulator")).Split(' ');
            using var client = new KubernetesClient(new KubernetesClientConfiguration
            {
                Server = new Uri(parts[1]),
                InsecureSkipTlsVerify = true,
                Credentials = KubernetesCredentials.Token(parts[2]),
            });
            var readers = new List<LogStreamReader>();
            var pending = new List<Task>();

            // One stream first, so the handler, the connection pool and the JIT are paid for before measuring.
            readers.Add(await OpenAsync(client, 0, pending, cancellationToken));
            var (heap0, rss0) = Measure();
            for (var c = 1; c < containers; c++)
            {
                readers.Add(await OpenAsync(client, c, pending, cancellationToken));
            }

            await Task.Delay(500, cancellationToken);
            var (heap1, rss1) = Measure();
            var streams = containers - 1;
            Console.WriteLine($"# follow-memory ({containers:N0} idle follows over {(tls ? "HTTPS/2" : "HTTP/1.1")})");
            Console.WriteLine();
            Console.WriteLine("| per idle followed stream | bytes |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| managed heap (live, after a full GC) | {(heap1 - heap0) / streams:N0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| resident set | {(rss1 - rss0) / streams:N0} |"));
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }

            await Task.WhenAll(pending.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await server.StandardInput.WriteLineAsync("quit");
            if (!server.WaitForExit(10_000))
            {
                server.Kill(entireProcessTree: true);
            }
        }

        return 0;
    }

    private static async Task<LogStreamReader> OpenAsync(KubernetesClient client, int index, List<Task> pending, CancellationToken cancellationToken)
    {
        var reader = await client.OpenLogStreamAsync("bench", $"web-{index}", new LogOptions { Container = "app", Follow = true }, cancellationToken);
        (await reader.ReadChunkAsync(cancellationToken))?.Dispose();
        pending.Add(reader.ReadChunkAsync(cancellationToken).AsTask());
        return reader;
    }

    private static (long Heap, long Rss) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return (GC.GetTotalMemory(forceFullCollection: true), ProcessSample.Of(Environment.ProcessId).RssBytes);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorLoki.Tests.Hosting;

/// <summary>
/// Runs the real executable's <c>actorloki demo</c> (the shipper through the same host as <c>run</c>, against the
/// built-in simulated namespace and receiver) in a child process, and reads the files it maps from /proc/PID/maps,
/// which lists every assembly the process has loaded.
/// </summary>
internal static class DemoProcess
{
    private static readonly Lazy<Task<HashSet<string>>> LazySingleReplica = new(() =>
        MappedAssembliesAsync(exitWhen: files => files.Contains("ActorLoki.Loki.dll") && files.Contains("Akka.dll"), "--duration", "3s"));

    private static readonly Lazy<Task<HashSet<string>>> LazyClusterNode = new(() =>
        MappedAssembliesAsync(exitWhen: files => files.Contains("Akka.Cluster.Sharding.dll"), ["--duration", "3s", .. ClusterArguments()]));

    /// <summary>What a single replica's demo maps (full paths), run once for every test that asks; do not change it.</summary>
    public static Task<HashSet<string>> SingleReplicaAsync() => LazySingleReplica.Value;

    /// <summary>What a one-node cluster's demo maps (full paths), run once for every test that asks; do not change it.</summary>
    public static Task<HashSet<string>> ClusterNodeAsync() => LazyClusterNode.Value;

    /// <summary>The full paths of the .dll files the demo maps, collected until <paramref name="exitWhen"/> (by file name) or its end.</summary>
    private static async Task<HashSet<string>> MappedAssembliesAsync(Func<HashSet<string>, bool> exitWhen, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "actorloki.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "demo", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("ACTORLOKI", StringComparison.OrdinalIgnoreCase) || n == "POD_IP").ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (!process.HasExited && !timeout.IsCancellationRequested)
            {
                await ReadMapsAsync(process.Id, mapped, timeout.Token);
                if (exitWhen(mapped.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)!))
                {
                    // Seen what was asked; give it the rest of its short run to load anything else it would.
                    await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
                    await ReadMapsAsync(process.Id, mapped, timeout.Token);
                    break;
                }

                await Task.Delay(100, timeout.Token);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }

        mapped.Should().NotBeEmpty("the child's maps were read: " + await stderr + await stdout);
        return mapped;
    }

    /// <summary>The settings of a one-node cluster of its own on a free loopback port.</summary>
    private static string[] ClusterArguments()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var text = port.ToString(CultureInfo.InvariantCulture);
        return
        [
            "--set", "actorloki.cluster.enabled=on",
            "--set", "actorloki.cluster.hostname=127.0.0.1",
            "--set", $"actorloki.cluster.port={text}",
            "--set", $"actorloki.cluster.seed-nodes=[\"akka.tcp://actorloki@127.0.0.1:{text}\"]",
        ];
    }

    private static async Task ReadMapsAsync(int pid, HashSet<string> mapped, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/maps", cancellationToken))
            {
                if (line.EndsWith(".dll", StringComparison.Ordinal) && line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
                {
                    mapped.Add(line[slash..]);
                }
            }
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorLoki.Tests.Hosting;

/// <summary>
/// A single replica stays today's lean process: with <c>actorloki.cluster.enabled = off</c> (the default) the
/// executable never loads Akka.Remote or Akka.Cluster. Checked on the real executable (<c>actorloki demo</c>, which
/// runs the shipper through the same host as <c>run</c>) in a child process, by the files the process has mapped
/// (/proc/PID/maps lists every loaded assembly); the same check sees them loaded when clustering is on.
/// </summary>
public sealed class ClusterAssembliesTests
{
    [Fact]
    public async Task With_clustering_off_neither_Akka_Remote_nor_Akka_Cluster_is_loaded()
    {
        var mapped = await MappedAssembliesAsync(exitWhen: files => files.Contains("ActorLoki.Loki.dll") && files.Contains("Akka.dll"), "--duration", "2s");

        mapped.Should().Contain("Akka.dll", "the actors run on Akka");
        mapped.Should().NotContain(["Akka.Remote.dll", "Akka.Cluster.dll", "Akka.Cluster.Sharding.dll", "Akka.Cluster.Tools.dll", "Akka.Discovery.dll"]);
    }

    [Fact]
    public async Task With_clustering_on_the_cluster_assemblies_are_loaded()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var mapped = await MappedAssembliesAsync(
            exitWhen: files => files.Contains("Akka.Cluster.Sharding.dll"),
            "--duration", "2s",
            "--set", "actorloki.cluster.enabled=on",
            "--set", "actorloki.cluster.hostname=127.0.0.1",
            "--set", $"actorloki.cluster.port={port}",
            "--set", $"actorloki.cluster.seed-nodes=[\"akka.tcp://actorloki@127.0.0.1:{port}\"]");

        mapped.Should().Contain(["Akka.Remote.dll", "Akka.Cluster.dll", "Akka.Cluster.Sharding.dll"]);
    }

    /// <summary>Runs <c>actorloki demo</c> and collects the .dll files it maps, until <paramref name="exitWhen"/> or it ends.</summary>
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
                try
                {
                    foreach (var line in await File.ReadAllLinesAsync($"/proc/{process.Id}/maps", timeout.Token))
                    {
                        if (line.EndsWith(".dll", StringComparison.Ordinal))
                        {
                            mapped.Add(Path.GetFileName(line));
                        }
                    }
                }
                catch (IOException)
                {
                    // The process ended between the check and the read.
                }

                if (exitWhen(mapped))
                {
                    // Seen what was asked; give it the rest of its short run to load anything else it would.
                    await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
                    foreach (var line in File.Exists($"/proc/{process.Id}/maps") ? await File.ReadAllLinesAsync($"/proc/{process.Id}/maps", timeout.Token) : [])
                    {
                        if (line.EndsWith(".dll", StringComparison.Ordinal))
                        {
                            mapped.Add(Path.GetFileName(line));
                        }
                    }

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

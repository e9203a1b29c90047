using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Benchmarks.Kubernetes;

/// <summary>
/// How fast the Kubernetes client turns log streams into timestamped lines.
/// <list type="bullet">
/// <item>In memory: the splitter and timestamp parser over a buffer of kubelet lines (one thread), as the raw
/// search-and-parse loop and through <see cref="LogStreamReader"/> with pooled chunks disposed or left to the GC.</item>
/// <item>Over HTTP: the simulator runs in a child process pinned to another core and serves pre-written logs; this
/// process, pinned to one core, follows every container through <see cref="KubernetesClient"/>. Its own CPU time is
/// the client's cost.</item>
/// <item>The simulator's write rate and a namespace of 1,000 quiet containers, for the end-to-end benchmarks.</item>
/// </list>
/// Options: <c>--lines N</c> (default 1,000,000) <c>--containers N</c> (8) <c>--line-bytes N</c> (200) <c>--passes N</c> (3) <c>--tls</c>.
/// </summary>
public sealed class KubeLogsBenchmark : IBenchmark
{
    public string Name => "kube-logs";

    public string Description => "Kubernetes log client: lines parsed per second (in memory and from the simulator over HTTP)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = Options.Parse(args);
        if (options.Serve)
        {
            return await ServeAsync(options, cancellationToken);
        }

        Console.WriteLine($"# kube-logs (ActorLoki {Program.Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine("| measurement | lines | seconds | lines/s | CPU ns/line | notes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        PinToCore(0);
        await InMemoryAsync(options);
        await OverHttpAsync(options, cancellationToken);
        await QuietNamespaceAsync(cancellationToken);
        await PodListAsync(cancellationToken);
        return 0;
    }

    // ---- in memory ----

    private static async Task InMemoryAsync(Options options)
    {
        var data = KubeletLines(200_000, options.LineBytes);
        var passes = 20;
        Row("raw split + parse (IndexOf + TryParse)", await MeasureAsync(passes, () => Task.FromResult(RawSplitAndParse(data))), "the floor: no chunk, no copy");
        Row("LogStreamReader, chunks disposed (pooled)", await MeasureAsync(passes, () => ReadAllAsync(data, dispose: true)), "64 KiB reads, one copy into a pooled chunk");
        Row("LogStreamReader, chunks not disposed", await MeasureAsync(passes, () => ReadAllAsync(data, dispose: false)), "what a fresh array per chunk costs (GC)");
    }

    private static long RawSplitAndParse(byte[] data)
    {
        var span = data.AsSpan();
        long lines = 0;
        long sum = 0;
        while (span.Length > 0)
        {
            var newline = span.IndexOf((byte)'\n');
            var line = span[..newline];
            if (KubeletTimestamp.TryParse(line, out var timestamp, out _))
            {
                sum += timestamp;
            }

            lines++;
            span = span[(newline + 1)..];
        }

        return sum == 0 ? 0 : lines;
    }

    private static async Task<long> ReadAllAsync(byte[] data, bool dispose)
    {
        await using var reader = new LogStreamReader(new ReadLimitedStream(data, 64 * 1024), new LogReaderOptions());
        long lines = 0;
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            lines += chunk.Count;
            if (dispose)
            {
                chunk.Dispose();
            }
        }

        return lines;
    }

    private static async Task<(long Lines, TimeSpan Wall, TimeSpan Cpu, long Allocated)> MeasureAsync(int passes, Func<Task<long>> pass)
    {
        // Warm up until the JIT has settled on its optimised code.
        for (var i = 0; i < 5; i++)
        {
            await pass();
        }

        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long lines = 0;
        for (var i = 0; i < passes; i++)
        {
            lines += await pass();
        }

        wall.Stop();
        return (lines, wall.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    // ---- over HTTP ----

    private static async Task OverHttpAsync(Options options, CancellationToken cancellationToken)
    {
        using var server = StartServer(options);
        var ready = await server.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("The simulator process ended before it was ready.");
        // READY <address> <token> <lines written> <write seconds> <write CPU seconds>
        var parts = ready.Split(' ');
        var written = long.Parse(parts[3], CultureInfo.InvariantCulture);
        var writeSeconds = double.Parse(parts[4], CultureInfo.InvariantCulture);
        var writeCpu = double.Parse(parts[5], CultureInfo.InvariantCulture);
        Row($"simulator writes {options.LineBytes}-byte lines", (written, TimeSpan.FromSeconds(writeSeconds), TimeSpan.FromSeconds(writeCpu), -1), "scenario engine + ledger, one core (child process)");

        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = new Uri(parts[1]),
            InsecureSkipTlsVerify = true,
            Credentials = KubernetesCredentials.Token(parts[2]),
        });
        var containers = Enumerable.Range(0, options.Containers).Select(i => $"web-{i}").ToList();
        await ReadEverythingAsync(client, containers, cancellationToken);
        GC.Collect();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        long lines = 0;
        for (var pass = 0; pass < options.Passes; pass++)
        {
            lines += await ReadEverythingAsync(client, containers, cancellationToken);
        }

        wall.Stop();
        var measured = (lines, wall.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu, GC.GetTotalAllocatedBytes(precise: true) - allocated);
        Row($"client reads the simulator over {(options.Tls ? "HTTPS/2" : "HTTP/1.1")}, {options.Containers} streams", measured, "client process pinned to one core; CPU is the client's alone");
        await server.StandardInput.WriteLineAsync("quit");
        await server.WaitForExitAsync(cancellationToken);
    }

    private static async Task<long> ReadEverythingAsync(KubernetesClient client, List<string> pods, CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(pods.Select(async pod =>
        {
            await using var reader = await client.OpenLogStreamAsync("bench", pod, new LogOptions { Container = "app" }, cancellationToken);
            long lines = 0;
            while (await reader.ReadChunkAsync(cancellationToken) is { } chunk)
            {
                lines += chunk.Count;
                chunk.Dispose();
            }

            return lines;
        }));
        return counts.Sum();
    }

    private static Process StartServer(Options options)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(KubeLogsBenchmark).Assembly.Location);
        }

        foreach (var arg in new[] { "kube-logs", "--serve", "--lines", options.Lines.ToString(CultureInfo.InvariantCulture), "--containers", options.Containers.ToString(CultureInfo.InvariantCulture), "--line-bytes", options.LineBytes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (options.Tls)
        {
            start.ArgumentList.Add("--tls");
        }

        return Process.Start(start)!;
    }

    /// <summary>The child process: a simulator with pre-written logs, until told to quit.</summary>
    private static async Task<int> ServeAsync(Options options, CancellationToken cancellationToken)
    {
        PinToCore(1);
        var perContainer = (options.Lines / options.Containers) + 1;
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions
        {
            Namespace = "bench",
            Tls = options.Tls,
            LedgerKeepsLineBytes = false,
            LogRotationBytes = perContainer * (options.LineBytes + 64),
        }, cancellationToken: cancellationToken);
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = options.Containers, LineBytes = options.LineBytes, StackTraceProbability = 0 });
        scenario.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        scenario.WriteLines(options.Lines);
        wall.Stop();
        var usedCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"READY {simulator.BaseAddress} {simulator.Tokens.Current} {options.Lines} {wall.Elapsed.TotalSeconds} {usedCpu}"));
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line && line != "quit")
        {
        }

        return 0;
    }

    // ---- a quiet namespace ----

    private static async Task QuietNamespaceAsync(CancellationToken cancellationToken)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "quiet" }, cancellationToken: cancellationToken);
        var scenario = new Scenario(simulator.Cluster, new ScenarioOptions { Pods = 1000, LinesPerSecondPerContainer = 1, LineBytes = 200 });
        scenario.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long lines = 0;
        for (var i = 0; i < 600; i++)
        {
            lines += scenario.Advance(TimeSpan.FromMilliseconds(100));
        }

        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        Row("1,000 containers at 1 line/s, 60 s of scenario time", (lines, wall.Elapsed, used, -1), $"{memory / (1024 * 1024)} MiB held by the simulator (logs, ledger, pods)");
    }

    /// <summary>
    /// Listing 1,000 pods through the package: the time per list and the memory a list holds, trimmed to
    /// ActorLoki's <see cref="ActorLoki.Kubernetes.Models.Pod"/> (what the actors keep) and as the package's V1Pods.
    /// </summary>
    private static async Task PodListAsync(CancellationToken cancellationToken)
    {
        const int pods = 1000;
        await using var simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { Namespace = "listed" }, cancellationToken: cancellationToken);
        new Scenario(simulator.Cluster, new ScenarioOptions { Pods = pods, LinesPerSecondPerContainer = 0, LineBytes = 200 }).Start();
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = simulator.BaseAddress,
            Credentials = KubernetesCredentials.Token(simulator.Tokens.Current),
        });

        Func<Task<object>> trimmedList = async () => await client.ListPodsAsync("listed", cancellationToken: cancellationToken);
        Func<Task<object>> fullList = async () => await k8s.CoreV1OperationsExtensions.ListNamespacedPodAsync(client.Api.CoreV1, "listed", cancellationToken: cancellationToken);
        // Both warm first, so that neither measurement pays the other's JIT.
        await MeasureAsync(1, async () => { await fullList(); await trimmedList(); return 0; });
        var full = await MeasureAsync(20, async () => { await fullList(); return pods; });
        var trimmed = await MeasureAsync(20, async () => { await trimmedList(); return pods; });
        var fullHeld = await HeldAsync(fullList);
        var trimmedHeld = await HeldAsync(trimmedList);
        Row($"list {pods:N0} pods, the package's V1Pod (20 lists)", full, $"{Milliseconds(full.Wall / 20)} ms per list; {fullHeld / 1024.0 / pods:F1} KiB held per pod");
        Row($"list {pods:N0} pods, trimmed to Pod (20 lists)", trimmed, $"{Milliseconds(trimmed.Wall / 20)} ms per list; {trimmedHeld / 1024.0 / pods:F1} KiB held per pod (what the actors keep)");
    }

    /// <summary>Bytes of managed heap that a result of <paramref name="list"/> keeps alive (the mean of five kept at once).</summary>
    private static async Task<long> HeldAsync(Func<Task<object>> list)
    {
        var kept = new object[5];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < kept.Length; i++)
        {
            kept[i] = await list();
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(kept);
        return (after - before) / kept.Length;
    }

    private static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);

    // ---- helpers ----

    internal static byte[] KubeletLines(int count, int lineBytes)
    {
        var builder = new MemoryStream();
        var start = (new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
        Span<byte> stamp = stackalloc byte[30];
        var random = new Random(1);
        for (var i = 0; i < count; i++)
        {
            KubeletTimestamp.Format(start + (i * 1_234_567L), stamp);
            builder.Write(stamp);
            var content = Encoding.ASCII.GetBytes($" seq={i:D9} pod=web-{i % 8} c=app {{\"level\":\"info\",\"msg\":\"GET /api/v1/items/{random.Next(10000)} 200\",\"pad\":\"");
            builder.Write(content);
            for (var j = content.Length - 1; j < lineBytes - 2; j++)
            {
                builder.WriteByte((byte)('a' + (j % 26)));
            }

            builder.Write("\"}\n"u8);
        }

        return builder.ToArray();
    }

    private static void Row(string name, (long Lines, TimeSpan Wall, TimeSpan Cpu, long Allocated) m, string notes)
    {
        var perSecond = m.Lines / m.Wall.TotalSeconds;
        var nsPerLine = m.Cpu.TotalNanoseconds / m.Lines;
        var allocation = m.Allocated >= 0 ? $"; {(double)m.Allocated / m.Lines:F1} B allocated/line" : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {m.Lines:N0} | {m.Wall.TotalSeconds:F2} | {perSecond:N0} | {nsPerLine:N0} | {notes}{allocation} |"));
    }

    private static void PinToCore(int core)
    {
        if (OperatingSystem.IsLinux() && core < Environment.ProcessorCount)
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1 << core;
        }
    }

    private sealed record Options(int Lines, int Containers, int LineBytes, int Passes, bool Tls, bool Serve)
    {
        public static Options Parse(string[] args)
        {
            int Int(string name, int fallback) =>
                Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
            return new Options(Int("--lines", 1_000_000), Int("--containers", 8), Int("--line-bytes", 200), Int("--passes", 3), args.Contains("--tls"), args.Contains("--serve"));
        }
    }

    /// <summary>A stream over a buffer that returns at most a fixed number of bytes per read, as a socket does.</summary>
    internal sealed class ReadLimitedStream(byte[] data, int perRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, perRead), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

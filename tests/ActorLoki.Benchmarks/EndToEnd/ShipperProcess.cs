using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>
/// The real <c>actorloki run</c> in a child process (<c>dotnet actorloki.dll run --config FILE</c>), optionally
/// pinned to one core with <c>taskset</c>, and always under <c>timeout</c>, so that it cannot outlive a
/// benchmark that crashed or was killed. Its CPU time and memory are read from <c>/proc</c>, its metrics
/// from its own <c>/metrics</c> endpoint.
/// </summary>
internal sealed class ShipperProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _launcher;
    private readonly Queue<string> _output = new();
    private readonly Lock _outputGate = new();
    private bool _stopping;

    private ShipperProcess(Process launcher, int pid, int metricsPort, DateTimeOffset launchedAt)
    {
        _launcher = launcher;
        Pid = pid;
        MetricsPort = metricsPort;
        LaunchedAt = launchedAt;
    }

    /// <summary>When the process was started (the start of "process start to first line acknowledged").</summary>
    public DateTimeOffset LaunchedAt { get; }

    /// <summary>The process id of the shipper itself (the child of the launcher).</summary>
    public int Pid { get; }

    public int MetricsPort { get; }

    public bool HasExited => _launcher.HasExited;

    /// <summary>The shipper ended on its own (not stopped by the benchmark): it crashed or gave up.</summary>
    public bool Crashed => _launcher.HasExited && !_stopping;

    public int ExitCode => _launcher.ExitCode;

    /// <summary>The last lines the shipper wrote (its own logs, Warning and above).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_outputGate)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public static async Task<ShipperProcess> StartAsync(string shipperDll, string configPath, int metricsPort, int? core, TimeSpan maxLifetime, IReadOnlyList<string> environment, CpuQuota? quota, CancellationToken cancellationToken)
    {
        var command = new List<string>();
        if (core is { } c)
        {
            command.AddRange(["taskset", "-c", c.ToString(CultureInfo.InvariantCulture)]);
        }

        // timeout's own child is the shipper; a SIGKILL follows a SIGTERM it sends at the deadline.
        // An assembly runs on the dotnet host; an executable (a self-contained publish, as in the image) on its own.
        command.AddRange(["timeout", "--kill-after=5", ((int)maxLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);
        command.AddRange(shipperDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? [DotnetHost(), shipperDll] : [shipperDll]);
        command.AddRange(["run", "--config", configPath]);
        var line = quota is null ? command : quota.Wrap(command);
        var start = new ProcessStartInfo(line[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in line.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in environment)
        {
            var (name, value) = variable.Split('=', 2) is [var n, var v] ? (n, v) : throw new ArgumentException($"--env {variable}: expected NAME=VALUE");
            start.Environment[name] = value;
        }

        var launched = DateTimeOffset.UtcNow;
        var launcher = Process.Start(start) ?? throw new InvalidOperationException("Could not start the shipper.");
        try
        {
            var pid = await ChildOfAsync(launcher, cancellationToken);
            var shipper = new ShipperProcess(launcher, pid, metricsPort, launched);
            launcher.OutputDataReceived += (_, e) => shipper.Keep(e.Data);
            launcher.ErrorDataReceived += (_, e) => shipper.Keep(e.Data);
            launcher.BeginOutputReadLine();
            launcher.BeginErrorReadLine();
            await shipper.WaitForEndpointsAsync(cancellationToken);
            return shipper;
        }
        catch
        {
            Kill(launcher);
            launcher.Dispose();
            throw;
        }
    }

    /// <summary>CPU seconds (user + system) and memory of the shipper now.</summary>
    public ProcessSample Sample() => ProcessSample.Of(Pid);

    /// <summary>The shipper's /metrics text, or null when it does not answer.</summary>
    public async Task<string?> ScrapeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"), cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGTERM (the shipper drains and exits), then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_launcher.HasExited)
        {
            return;
        }

        _stopping = true;

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }

        using var wait = new CancellationTokenSource(grace);
        try
        {
            await _launcher.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(_launcher);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_launcher.HasExited)
        {
            Kill(_launcher);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _launcher.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _launcher.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    internal static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>The pid of the launcher's child (the cgroup shell and taskset exec timeout, which forks the shipper).</summary>
    private static async Task<int> ChildOfAsync(Process launcher, CancellationToken cancellationToken)
    {
        var children = $"/proc/{launcher.Id}/task/{launcher.Id}/children";
        for (var i = 0; i < 500; i++)
        {
            if (launcher.HasExited)
            {
                throw new InvalidOperationException($"The shipper's launcher exited with {launcher.ExitCode}: {await launcher.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            var text = File.Exists(children) ? await File.ReadAllTextAsync(children, cancellationToken) : "";
            if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..])
            {
                return int.Parse(first, CultureInfo.InvariantCulture);
            }

            await Task.Delay(10, cancellationToken);
        }

        throw new TimeoutException("The shipper process did not start within 5 s.");
    }

    /// <summary>
    /// Waits until the endpoints answer, asking <c>/healthz</c> every 50 ms as a kubelet's probe would: cheap to
    /// answer, so that at a quarter of a CPU the benchmark's own polling does not slow the start-up it measures
    /// (a first <c>/metrics</c> renders every instrument; Prometheus scrapes every 15-60 s, not during start-up).
    /// </summary>
    private async Task WaitForEndpointsAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 300; i++)
        {
            if (_launcher.HasExited)
            {
                throw new InvalidOperationException($"The shipper exited with {_launcher.ExitCode}:\n{RecentOutput}");
            }

            try
            {
                using var answer = await Http.GetAsync(new Uri($"http://127.0.0.1:{MetricsPort}/healthz"), cancellationToken);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"The shipper's /healthz did not answer within 15 s:\n{RecentOutput}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            // ACTORLOKI_BENCH_SHIPPER_LOG=FILE keeps the shipper's whole output, for looking into a run.
            if (Environment.GetEnvironmentVariable("ACTORLOKI_BENCH_SHIPPER_LOG") is { Length: > 0 } file)
            {
                File.AppendAllText(file, line + "\n");
            }

            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }
}

/// <summary>CPU and memory of a process, from <c>/proc/PID/stat</c> and <c>/proc/PID/status</c>.</summary>
/// <param name="CpuSeconds">User plus system time.</param>
/// <param name="RssBytes">Resident set now (VmRSS).</param>
/// <param name="PeakRssBytes">Highest resident set so far (VmHWM).</param>
internal readonly record struct ProcessSample(double CpuSeconds, long RssBytes, long PeakRssBytes, int Threads)
{
    private const double TicksPerSecond = 100; // getconf CLK_TCK on Linux

    public static ProcessSample Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            long rss = 0, hwm = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
                }
            }

            return new ProcessSample(cpu, rss, hwm, threads);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return default; // the process has exited
        }
    }

    private static long Kilobytes(string line)
    {
        var text = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        return long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture) * 1024;
    }
}

/// <summary>Prometheus text, read just enough to sum a family's samples.</summary>
internal static class PromScrape
{
    public static double? Sum(string? text, string family)
    {
        if (text is null)
        {
            return null;
        }

        double? sum = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(family, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line.AsSpan(family.Length);
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue;
            }

            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                sum = (sum ?? 0) + v;
            }
        }

        return sum;
    }

    /// <summary>The first family present among <paramref name="families"/>, summed.</summary>
    public static double? First(string? text, params string[] families) =>
        families.Select(f => Sum(text, f)).FirstOrDefault(v => v is not null);
}

/// <summary>Whole-process helpers for the benchmark's own side.</summary>
internal static class SelfProcess
{
    public static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>Pins every thread of this process (existing ones too) to <paramref name="core"/> with taskset.</summary>
    public static void PinAllThreads(int core)
    {
        if (!OperatingSystem.IsLinux() || core >= Environment.ProcessorCount)
        {
            return;
        }

        using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", core.ToString(CultureInfo.InvariantCulture), Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        });
        taskset?.WaitForExit(5000);
    }
}

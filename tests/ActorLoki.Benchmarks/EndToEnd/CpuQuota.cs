using System.Globalization;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>
/// A CPU cgroup with a CFS quota, as a pod's CPU limit gives one (Fargate's smallest size: 0.25 vCPU). The
/// shipper is started inside it (<see cref="Wrap"/>), so .NET reads the quota at start-up exactly as it does
/// in a container (<c>Environment.ProcessorCount</c>, GC heaps, thread pool). cgroup v2 (<c>cpu.max</c>) where
/// the unified hierarchy has the cpu controller, else cgroup v1 (<c>cpu.cfs_quota_us</c>). Needs root.
/// </summary>
internal sealed class CpuQuota : IDisposable
{
    private const int PeriodMicroseconds = 100_000;

    private readonly string _directory;
    private readonly string _parentProcs;

    private CpuQuota(string directory, string parentProcs, double cores, string kind)
    {
        _directory = directory;
        _parentProcs = parentProcs;
        Cores = cores;
        Kind = kind;
    }

    public double Cores { get; }

    /// <summary>Which interface was used, for the report: <c>cgroup v2 cpu.max</c> or <c>cgroup v1 cpu.cfs_quota_us</c>.</summary>
    public string Kind { get; }

    /// <summary>The file a process writes its pid to in order to join the group.</summary>
    public string ProcsFile => Path.Combine(_directory, "cgroup.procs");

    public static CpuQuota Create(double cores)
    {
        if (cores <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cores), "--cpu-quota takes a positive number of cores, e.g. 0.25");
        }

        var quota = ((int)Math.Round(cores * PeriodMicroseconds)).ToString(CultureInfo.InvariantCulture);
        var name = $"actorloki-bench-{Environment.ProcessId}";
        const string unified = "/sys/fs/cgroup";
        if (File.Exists(Path.Combine(unified, "cgroup.controllers")) && File.ReadAllText(Path.Combine(unified, "cgroup.controllers")).Split(' ', '\n').Contains("cpu"))
        {
            TryWrite(Path.Combine(unified, "cgroup.subtree_control"), "+cpu");
            var directory = Path.Combine(unified, name);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "cpu.max"), $"{quota} {PeriodMicroseconds}");
            return new CpuQuota(directory, Path.Combine(unified, "cgroup.procs"), cores, "cgroup v2 cpu.max");
        }

        const string v1 = "/sys/fs/cgroup/cpu";
        if (File.Exists(Path.Combine(v1, "cpu.cfs_quota_us")))
        {
            var directory = Path.Combine(v1, name);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "cpu.cfs_period_us"), PeriodMicroseconds.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(directory, "cpu.cfs_quota_us"), quota);
            return new CpuQuota(directory, Path.Combine(v1, "cgroup.procs"), cores, "cgroup v1 cpu.cfs_quota_us");
        }

        throw new InvalidOperationException("--cpu-quota needs a cgroup CPU controller (cgroup v2 with cpu, or v1 /sys/fs/cgroup/cpu) and root");
    }

    /// <summary>
    /// The command line that runs <paramref name="command"/> inside the group: a shell writes its own pid to
    /// the group, then execs the command (whose children stay in the group).
    /// </summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> command) =>
        ["/bin/sh", "-c", $"echo $$ > '{ProcsFile}' && exec \"$@\"", "sh", .. command];

    /// <summary>CFS periods in which the group was throttled, and the time it was held back, from <c>cpu.stat</c>.</summary>
    public (long ThrottledPeriods, double ThrottledSeconds) Throttling()
    {
        long periods = 0;
        double seconds = 0;
        var stat = Path.Combine(_directory, "cpu.stat");
        if (!File.Exists(stat))
        {
            return (0, 0);
        }

        foreach (var line in File.ReadLines(stat))
        {
            var parts = line.Split(' ');
            if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (parts[0])
            {
                case "nr_throttled":
                    periods = value;
                    break;
                case "throttled_time": // v1, nanoseconds
                    seconds = value / 1e9;
                    break;
                case "throttled_usec": // v2
                    seconds = value / 1e6;
                    break;
            }
        }

        return (periods, seconds);
    }

    public void Dispose()
    {
        // Whatever is still in the group (a shipper that outlived its stop) moves back to the root, so the group can go.
        if (File.Exists(ProcsFile))
        {
            foreach (var pid in File.ReadAllLines(ProcsFile).Where(static l => l.Length > 0))
            {
                TryWrite(_parentProcs, pid);
            }
        }

        try
        {
            Directory.Delete(_directory);
        }
        catch (IOException)
        {
        }
    }

    private static void TryWrite(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

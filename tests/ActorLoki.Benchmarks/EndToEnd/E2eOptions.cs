using System.Globalization;

namespace ActorLoki.Benchmarks.EndToEnd;

/// <summary>Command line of <c>e2e</c>; see <see cref="E2eBenchmark"/>.</summary>
internal sealed record E2eOptions
{
    public IReadOnlyList<string> Scenarios { get; init; } = E2eBenchmark.AllScenarios;

    public bool Quick { get; init; }

    /// <summary>Lines per second of <c>steady</c>; null: half the rate <c>burst</c> reached in this run (50,000 without it).</summary>
    public double? Rate { get; init; }

    /// <summary>Lines written before the shipper starts in <c>burst</c>.</summary>
    public long? BurstLines { get; init; }

    /// <summary>Length of the measured window of the time-based scenarios.</summary>
    public TimeSpan? Window { get; init; }

    public double SoakMinutes { get; init; } = 10;

    public bool Tls { get; init; }

    public bool Pin { get; init; } = true;

    public string? JsonPath { get; init; }

    /// <summary>Passed on to <c>actorloki run</c> as <c>--set KEY=VALUE</c>.</summary>
    public IReadOnlyList<string> Sets { get; init; } = [];

    public int Seed { get; init; } = 7;

    /// <summary>
    /// The container memory limit to emulate, in MiB (default 256, the limit of the base Deployment and of the EKS Fargate overlay): in a pod, .NET caps its GC
    /// heap at 75% of the cgroup limit, so the shipper process gets <c>DOTNET_GCHeapHardLimit</c> of that. 0: none.
    /// </summary>
    public int MemoryLimitMiB { get; init; } = 256;

    /// <summary>
    /// What the shipper process gets: what the container image sets (Dockerfile <c>ENV</c>), the emulated memory
    /// limit, then <see cref="Environment"/> (which can override either).
    /// </summary>
    public IReadOnlyList<string> ShipperEnvironment =>
    [
        .. Bare ? [] : ImageEnvironment,
        .. MemoryLimitMiB > 0 && !Bare ? [$"DOTNET_GCHeapHardLimit=0x{MemoryLimitMiB * 1024L * 1024 * 3 / 4:X}"] : Array.Empty<string>(),
        .. Environment,
    ];

    /// <summary>
    /// Run the shipper as a user would outside the image: <c>dotnet actorloki.dll run</c> with no runtime
    /// variables and no emulated memory limit (only <see cref="Environment"/>, when given).
    /// </summary>
    public bool Bare { get; init; }

    /// <summary>Cores of CPU the shipper may use (a CFS quota, as a pod's CPU limit); null: none.</summary>
    public double? CpuQuotaCores { get; init; }

    /// <summary>The cgroup that enforces <see cref="CpuQuotaCores"/>, created for the run.</summary>
    public CpuQuota? Quota { get; init; }

    /// <summary>
    /// The runtime settings the Dockerfile gives the shipper (kept in step with it by DockerfileTests): none, since the GC's
    /// settings travel in actorloki.runtimeconfig.json.
    /// </summary>
    public static IReadOnlyList<string> ImageEnvironment { get; } = [];

    /// <summary>
    /// <c>--shipper</c>: another build, an actorloki.dll (run on the dotnet host) or a self-contained actorloki
    /// executable; default the Release build of this tree.
    /// </summary>
    public string? ShipperDll { get; init; }

    /// <summary>
    /// <c>--published</c>: publish the shipper as the Dockerfile does (Release, self-contained for this machine's
    /// runtime identifier, one composite ReadyToRun image) under artifacts/bench/publish and run that, as in the image.
    /// </summary>
    public bool Published { get; init; }

    /// <summary>Environment variables of the shipper process (<c>--env DOTNET_GCGen0MaxBudget=0x1000000</c>), for experiments.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>The batch wait the shipper runs with (the latency target is this + 250 ms).</summary>
    public TimeSpan BatchWait => Sets.Select(s => s.Split('=', 2)).Where(p => p.Length == 2 && p[0].EndsWith("loki.batch.max-wait", StringComparison.Ordinal))
        .Select(p => ParseDuration(p[1])).LastOrDefault(TimeSpan.FromSeconds(1));

    public static E2eOptions Parse(string[] args)
    {
        var options = new E2eOptions();
        var sets = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--scenario" => options with { Scenarios = Value().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--quick" => options with { Quick = true },
                "--rate" => options with { Rate = Number() },
                "--lines" => options with { BurstLines = (long)Number() },
                "--seconds" => options with { Window = TimeSpan.FromSeconds(Number()) },
                "--minutes" => options with { SoakMinutes = Number() },
                "--tls" => options with { Tls = true },
                "--no-pin" => options with { Pin = false },
                "--json" => options with { JsonPath = Value() },
                "--seed" => options with { Seed = (int)Number() },
                "--set" => Add(options, sets, Value()),
                "--memory-limit" => options with { MemoryLimitMiB = (int)Number() },
                "--bare" => options with { Bare = true },
                "--cpu-quota" => options with { CpuQuotaCores = Number() },
                "--shipper" => options with { ShipperDll = Path.GetFullPath(Value()) },
                "--published" => options with { Published = true },
                "--env" => options with { Environment = [.. options.Environment, Value()] },
                var other => throw new ArgumentException($"unknown option {other}"),
            };
        }

        foreach (var scenario in options.Scenarios)
        {
            if (!E2eBenchmark.AllScenarios.Contains(scenario) && !E2eBenchmark.CostScenarios.Contains(scenario) && scenario != "soak" && scenario != ScaleOutBenchmark.Name)
            {
                throw new ArgumentException($"unknown scenario {scenario}; one of {string.Join(", ", [.. E2eBenchmark.AllScenarios, .. E2eBenchmark.CostScenarios])}, soak, {ScaleOutBenchmark.Name}");
            }
        }

        return options with { Sets = sets };
    }

    /// <summary>Full or quick length of a phase.</summary>
    public TimeSpan Pick(double fullSeconds, double quickSeconds) => TimeSpan.FromSeconds(Quick ? quickSeconds : fullSeconds);

    private static E2eOptions Add(E2eOptions options, List<string> sets, string value)
    {
        sets.Add(value);
        return options;
    }

    private static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        return text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture))
            : text.EndsWith('s') ? TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture))
            : TimeSpan.FromMilliseconds(double.Parse(text, CultureInfo.InvariantCulture));
    }
}

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>What a <see cref="Scenario"/> does: how many pods and containers, how fast they write, and how they churn.</summary>
public sealed record ScenarioOptions
{
    /// <summary>Seed of every random choice; the same seed and the same calls give the same lines and events.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Null: the simulator's default namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Name prefix of the long-running pods (<c>web-0</c>, <c>web-1</c>, ...).</summary>
    public string PodPrefix { get; init; } = "web";

    public int Pods { get; init; } = 3;

    public int ContainersPerPod { get; init; } = 1;

    /// <summary>Init containers per pod; each writes <see cref="InitContainerLines"/> lines and completes before the pod runs.</summary>
    public int InitContainersPerPod { get; init; }

    public int InitContainerLines { get; init; } = 5;

    /// <summary>Lines per second each running container writes.</summary>
    public double LinesPerSecondPerContainer { get; init; } = 10;

    /// <summary>When set, the total rate shared evenly by the running containers (overrides the per-container rate).</summary>
    public double? TotalLinesPerSecond { get; init; }

    /// <summary>Target size of a line in bytes (without timestamp and newline).</summary>
    public int LineBytes { get; init; } = 200;

    /// <summary>Share of lines written as JSON access logs; the rest is plain text.</summary>
    public double JsonShare { get; init; } = 0.5;

    /// <summary>Chance that a line starts a multi-line stack trace (each trace line is its own log line with its own sequence).</summary>
    public double StackTraceProbability { get; init; } = 0.005;

    /// <summary>Pods replaced per minute (one deleted, a new one created).</summary>
    public double PodChurnPerMinute { get; init; }

    /// <summary>Container restarts per minute; the restarting container writes a last line right before it exits.</summary>
    public double RestartsPerMinute { get; init; }

    /// <summary>Short-lived Job pods started per minute; each writes <see cref="JobLines"/> lines, completes, and is deleted after <see cref="JobTimeToLive"/>.</summary>
    public double JobsPerMinute { get; init; }

    public int JobLines { get; init; } = 20;

    public TimeSpan JobTimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Chance that a line is stamped slightly before the previous one (stderr and stdout are stamped separately).</summary>
    public double BackwardsTimestampProbability { get; init; }

    /// <summary>How far back such a line is stamped.</summary>
    public TimeSpan BackwardsSkew { get; init; } = TimeSpan.FromMilliseconds(1);
}

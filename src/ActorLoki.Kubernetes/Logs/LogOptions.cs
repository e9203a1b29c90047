namespace ActorLoki.Kubernetes.Logs;

/// <summary>The query of <c>GET /api/v1/namespaces/{ns}/pods/{name}/log</c>.</summary>
public sealed record LogOptions
{
    /// <summary>The container; required when the pod has more than one.</summary>
    public string? Container { get; init; }

    /// <summary>Keep the stream open and deliver lines as they are written; it ends when the container instance ends.</summary>
    public bool Follow { get; init; }

    /// <summary>Prefix each line with the kubelet's RFC3339Nano timestamp (on by default: it is the line's time in Loki).</summary>
    public bool Timestamps { get; init; } = true;

    /// <summary>
    /// Only lines stamped at or after this instant. The API accepts whole seconds only: the value is rounded
    /// down, so lines of the same second before the instant are delivered again and must be skipped by the caller.
    /// </summary>
    public DateTimeOffset? SinceTime { get; init; }

    /// <summary>Only lines of the last N seconds. Exclusive with <see cref="SinceTime"/>.</summary>
    public long? SinceSeconds { get; init; }

    /// <summary>Start with the last N lines.</summary>
    public long? TailLines { get; init; }

    /// <summary>Stop after this many bytes; the server may cut the last line.</summary>
    public long? LimitBytes { get; init; }

    /// <summary>The previous (last terminated) instance of the container instead of the current one.</summary>
    public bool Previous { get; init; }
}

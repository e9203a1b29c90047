namespace ActorLoki.Simulator.Loki;

/// <summary>
/// Limits and behaviour of the <see cref="LokiReceiver"/>; the defaults are Loki's. Sizes are bytes
/// (Loki compares Go string lengths).
/// </summary>
public sealed record LokiReceiverOptions
{
    /// <summary>The receiver's clock: the age and future checks and the accept time of entries.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Answer 401 <c>no org id</c> to pushes without <c>X-Scope-OrgID</c> (Loki with <c>auth_enabled</c>); otherwise the tenant is <c>fake</c>.</summary>
    public bool RequireTenant { get; init; }

    /// <summary><c>max_line_size</c>; 0 is unlimited.</summary>
    public int MaxLineSize { get; init; } = 256 * 1024;

    /// <summary><c>reject_old_samples</c>.</summary>
    public bool RejectOldSamples { get; init; } = true;

    /// <summary><c>reject_old_samples_max_age</c>.</summary>
    public TimeSpan RejectOldSamplesMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary><c>creation_grace_period</c>: how far in the future an entry may be.</summary>
    public TimeSpan CreationGracePeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><c>max_chunk_age</c>: an entry older than its stream's newest by more than half of it is too far behind.</summary>
    public TimeSpan MaxChunkAge { get; init; } = TimeSpan.FromHours(2);

    public int MaxLabelNamesPerSeries { get; init; } = 15;

    public int MaxLabelNameLength { get; init; } = 1024;

    public int MaxLabelValueLength { get; init; } = 2048;

    public bool AllowStructuredMetadata { get; init; } = true;

    /// <summary><c>max_structured_metadata_size</c>: bytes of names and values per entry.</summary>
    public int MaxStructuredMetadataSize { get; init; } = 64 * 1024;

    /// <summary><c>max_structured_metadata_entries_count</c>.</summary>
    public int MaxStructuredMetadataCount { get; init; } = 128;

    /// <summary>
    /// <c>discover_service_name</c>: the labels whose value becomes <c>service_name</c> when a stream has
    /// none (the first present wins; <c>unknown_service</c> when none is). Empty turns the discovery off.
    /// </summary>
    public IReadOnlyList<string> DiscoverServiceName { get; init; } =
        ["service", "app", "application", "app_name", "name", "app_kubernetes_io_name", "container", "container_name", "k8s_container_name", "component", "workload", "job", "k8s_job_name"];

    /// <summary>The ingester's <c>max_returned_stream_errors</c>: entries listed in an out-of-order answer.</summary>
    public int MaxReturnedErrors { get; init; } = 10;

    /// <summary>
    /// Keep each entry's line (default). Long benchmarks turn it off: entries then keep their timestamp and
    /// line hash only (enough for <see cref="DeliveryAudit"/> and Loki's duplicate check), and queries return
    /// empty lines.
    /// </summary>
    public bool KeepLines { get; init; } = true;

    /// <summary><c>max_entries_limit_per_query</c>.</summary>
    public int MaxEntriesLimitPerQuery { get; init; } = 5000;
}

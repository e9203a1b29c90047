namespace ActorLoki.Loki;

/// <summary>
/// Why entries were dropped: a bounded set (so it can be a metric tag), named after Loki's own
/// <c>reason</c> values of <c>loki_discarded_samples_total</c> (see <see cref="DropReasons.Tag"/>).
/// </summary>
public enum DropReason
{
    /// <summary>A line over <c>max-line-bytes</c> (dropped here with <c>on-long-line = drop</c>, or by Loki).</summary>
    LineTooLong,

    /// <summary>Older than Loki's <c>reject_old_samples_max_age</c> (<c>greater_than_max_sample_age</c>).</summary>
    TooOld,

    /// <summary>Older than the stream's newest entry by more than half of <c>max_chunk_age</c> (<c>too_far_behind</c>, <c>out_of_order</c>).</summary>
    TooFarBehind,

    /// <summary>Newer than Loki's clock plus <c>creation_grace_period</c>.</summary>
    TooFarInFuture,

    /// <summary>Loki could not parse the stream's labels.</summary>
    InvalidLabels,

    /// <summary>The stream had no label.</summary>
    MissingLabels,

    /// <summary>More label names than <c>max_label_names_per_series</c>.</summary>
    MaxLabelNamesPerSeries,

    /// <summary>A label name longer than <c>max_label_name_length</c>.</summary>
    LabelNameTooLong,

    /// <summary>A label value longer than <c>max_label_value_length</c>.</summary>
    LabelValueTooLong,

    /// <summary>The same label name twice.</summary>
    DuplicateLabelNames,

    /// <summary>Structured metadata over <c>max_structured_metadata_size</c> or <c>max_structured_metadata_entries_count</c>.</summary>
    StructuredMetadataTooLarge,

    /// <summary>Structured metadata sent to a tenant that does not allow it.</summary>
    StructuredMetadataDisallowed,

    /// <summary>A single entry still answered 413 (request too large) after the request was split down to it.</summary>
    RequestTooLarge,

    /// <summary>A 400 whose message names no known reason.</summary>
    Other,
}

public static class DropReasons
{
    private static readonly string[] Tags =
    [
        "line_too_long",
        "greater_than_max_sample_age",
        "too_far_behind",
        "too_far_in_future",
        "invalid_labels",
        "missing_labels",
        "max_label_names_per_series",
        "label_name_too_long",
        "label_value_too_long",
        "duplicate_label_names",
        "structured_metadata_too_large",
        "disallowed_structured_metadata",
        "request_body_too_large",
        "other",
    ];

    /// <summary>Every reason, in declaration order.</summary>
    public static IReadOnlyList<DropReason> All { get; } = Enum.GetValues<DropReason>();

    /// <summary>The metric tag value: Loki's own reason name where it has one.</summary>
    public static string Tag(this DropReason reason) => Tags[(int)reason];
}

namespace ActorLoki.Loki;

/// <summary>
/// Loki's per-stream label limits (<c>max_label_names_per_series</c>, <c>max_label_value_length</c>),
/// checked when a <see cref="LabelSet"/> is built so that Loki never rejects a stream for them.
/// </summary>
/// <param name="MaxLabelNames">Most label names per stream (Loki's default 15; <c>service_name</c> is not counted, as in Loki).</param>
/// <param name="MaxLabelValueBytes">Longest label value in UTF-8 bytes (Loki compares Go string lengths, which are bytes; default 2048).</param>
public sealed record LabelLimits(int MaxLabelNames = 15, int MaxLabelValueBytes = 2048)
{
    public static LabelLimits Default { get; } = new();

    /// <summary>Throws when a limit cannot work (the truncation marker needs room).</summary>
    public void Validate()
    {
        if (MaxLabelNames < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLabelNames), MaxLabelNames, "actorloki.loki.max-label-names must be at least 1.");
        }

        if (MaxLabelValueBytes < LabelSetBuilder.TruncationSuffixBytes + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLabelValueBytes), MaxLabelValueBytes, $"actorloki.loki.max-label-value-length must be at least {LabelSetBuilder.TruncationSuffixBytes + 1}.");
        }
    }
}

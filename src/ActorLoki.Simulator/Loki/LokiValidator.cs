using System.Text;

namespace ActorLoki.Simulator.Loki;

/// <summary>
/// The receiver's distributor: parses each stream's labels and validates labels and entries with
/// Loki's rules and messages. A stream with bad labels is refused whole; a bad entry is refused alone;
/// the rest goes on to be stored. Messages are grouped as Loki's <c>GroupedErrors</c> prints them
/// (<c>N errors like: …</c>, joined with <c>"; "</c>).
/// </summary>
internal sealed class LokiValidator
{
    private readonly LokiReceiverOptions _options;
    private readonly LokiStore _store;

    public LokiValidator(LokiReceiverOptions options, LokiStore store)
    {
        _options = options;
        _store = store;
    }

    /// <summary>Returns the streams to store and the grouped error text (null when nothing was refused).</summary>
    public (List<ValidStream> Valid, string? Errors) Validate(IReadOnlyList<IncomingStream> streams)
    {
        var errors = new List<string>();
        var valid = new List<ValidStream>();
        var now = GoText.ToNanos(_options.Time.GetUtcNow());
        var oldest = now - (_options.RejectOldSamplesMaxAge.Ticks * 100);
        var newest = now + (_options.CreationGracePeriod.Ticks * 100);
        foreach (var stream in streams)
        {
            if (stream.Entries.Count == 0)
            {
                continue;
            }

            var (labels, refusal, reason) = ValidateLabels(stream.Labels);
            if (labels is null)
            {
                errors.Add(refusal!);
                _store.Rejected(reason!, stream.Entries.Count);
                continue;
            }

            var canonical = GoText.Labels(labels);
            var kept = new List<IncomingEntry>(stream.Entries.Count);
            foreach (var entry in stream.Entries)
            {
                if (ValidateEntry(entry, canonical, oldest, newest) is { } problem)
                {
                    errors.Add(problem.Message);
                    _store.Rejected(problem.Reason, 1);
                    continue;
                }

                kept.Add(entry);
            }

            if (kept.Count > 0)
            {
                valid.Add(new ValidStream(canonical, labels.ToArray(), kept));
            }
        }

        return (valid, errors.Count == 0 ? null : Group(errors));
    }

    private (List<KeyValuePair<string, string>>? Labels, string? Error, string? Reason) ValidateLabels(string raw)
    {
        List<KeyValuePair<string, string>> labels;
        try
        {
            labels = PromText.ParseLabels(raw);
        }
        catch (FormatException e)
        {
            return (null, $"Error parsing labels '{raw}' with error: {e.Message}", "invalid_labels");
        }

        if (labels.Count == 0)
        {
            return (null, "error at least one label pair is required per stream", "missing_labels");
        }

        var counted = labels.Count - (labels.Exists(l => l.Key == "service_name") ? 1 : 0);
        if (counted > _options.MaxLabelNamesPerSeries)
        {
            return (null, $"entry for stream '{raw}' has {counted} label names; limit {_options.MaxLabelNamesPerSeries}", "max_label_names_per_series");
        }

        for (var i = 0; i < labels.Count; i++)
        {
            var (name, value) = labels[i];
            if (Encoding.UTF8.GetByteCount(name) > _options.MaxLabelNameLength)
            {
                return (null, $"stream '{raw}' has label name too long: '{name}'", "label_name_too_long");
            }

            if (Encoding.UTF8.GetByteCount(value) > _options.MaxLabelValueLength)
            {
                return (null, $"stream '{raw}' has label value too long: '{value}'", "label_value_too_long");
            }

            if (i > 0 && labels[i - 1].Key == name)
            {
                return (null, $"stream '{raw}' has duplicate label name: '{name}'", "duplicate_label_names");
            }
        }

        if (_options.DiscoverServiceName.Count > 0 && !labels.Exists(l => l.Key == "service_name"))
        {
            var service = _options.DiscoverServiceName
                .Select(n => labels.Find(l => l.Key == n).Value)
                .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "unknown_service";
            labels.Add(new("service_name", service));
            labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        }

        return (labels, null, null);
    }

    private (string Message, string Reason)? ValidateEntry(in IncomingEntry entry, string labels, long oldest, long newest)
    {
        if (_options.RejectOldSamples && entry.TimestampUnixNanos < oldest)
        {
            return ($"entry for stream '{labels}' has timestamp too old: {GoText.Rfc3339(entry.TimestampUnixNanos)}, oldest acceptable timestamp is: {GoText.Rfc3339(oldest)}", "greater_than_max_sample_age");
        }

        if (entry.TimestampUnixNanos > newest)
        {
            return ($"entry for stream '{labels}' has timestamp too new: {GoText.Rfc3339(entry.TimestampUnixNanos)}", "too_far_in_future");
        }

        // A UTF-16 char is at most 3 UTF-8 bytes: short lines need no count.
        if (_options.MaxLineSize != 0 && entry.Line.Length * 3L > _options.MaxLineSize && Encoding.UTF8.GetByteCount(entry.Line) is var length && length > _options.MaxLineSize)
        {
            return ($"Max entry size '{_options.MaxLineSize}' bytes exceeded for stream '{labels}' while adding an entry with length '{length}' bytes", "line_too_long");
        }

        if (entry.Metadata.Length > 0)
        {
            if (!_options.AllowStructuredMetadata)
            {
                return ($"stream '{labels}' includes structured metadata, but this feature is disallowed. Please see `limits_config.allow_structured_metadata` or contact your Loki administrator to enable it.", "disallowed_structured_metadata");
            }

            var size = entry.Metadata.Sum(m => Encoding.UTF8.GetByteCount(m.Key) + Encoding.UTF8.GetByteCount(m.Value));
            if (_options.MaxStructuredMetadataSize != 0 && size > _options.MaxStructuredMetadataSize)
            {
                return ($"stream '{labels}' has structured metadata too large: '{size}' bytes, limit: '{_options.MaxStructuredMetadataSize}' bytes. Please see `limits_config.max_structured_metadata_size` or contact your Loki administrator to increase it.", "structured_metadata_too_large");
            }

            if (_options.MaxStructuredMetadataCount != 0 && entry.Metadata.Length > _options.MaxStructuredMetadataCount)
            {
                return ($"stream '{labels}' has too many structured metadata labels: '{entry.Metadata.Length}', limit: '{_options.MaxStructuredMetadataCount}'. Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki administrator to increase it.", "structured_metadata_too_many");
            }
        }

        return null;
    }

    /// <summary>Loki's <c>util.GroupedErrors</c>: identical messages counted, in first-seen order here (Go's map order is random).</summary>
    private static string Group(List<string> errors)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var error in errors)
        {
            if (counts.TryAdd(error, 1))
            {
                order.Add(error);
            }
            else
            {
                counts[error]++;
            }
        }

        return string.Join("; ", order.Select(e => order.Count > 1 || counts[e] > 1 ? $"{counts[e]} errors like: {e}" : e));
    }
}

using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorLoki.Loki.Wire;

/// <summary>
/// Writes Loki's JSON push body from the batch's UTF-8 bytes with <see cref="Utf8JsonWriter"/>:
/// <c>{"streams":[{"stream":{"app":"api"},"values":[["&lt;ns&gt;","&lt;line&gt;",{"pod":"x"}]]}]}</c>.
/// Non-ASCII text is written as is (only what JSON requires is escaped), so a line costs its bytes.
/// </summary>
internal static class JsonPushWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // The structure is fixed by this writer; validation would only cost time.
        SkipValidation = true,
    };

    public static void Write(RequestPlan plan, LineLimits limits, PooledBytes output, out List<LineFix>? fixes, out int entriesWritten)
    {
        fixes = null;
        entriesWritten = 0;
        using var json = new Utf8JsonWriter(output, WriterOptions);
        Span<byte> timestamp = stackalloc byte[24];
        json.WriteStartObject();
        json.WriteStartArray("streams"u8);
        foreach (var segment in plan.Segments)
        {
            var stream = plan.Batch.Streams[segment.Stream];
            var opened = false;
            for (var i = 0; i < segment.Count; i++)
            {
                ref readonly var entry = ref stream[segment.Start + i];
                var fix = LineFix.For(segment.Stream, segment.Start + i, entry.Line, limits);
                if (fix is { } f)
                {
                    (fixes ??= []).Add(f);
                    if (f.Dropped)
                    {
                        continue;
                    }
                }

                if (!opened)
                {
                    WriteStreamStart(json, stream.Labels);
                    opened = true;
                }

                json.WriteStartArray();
                Utf8Formatter.TryFormat(entry.TimestampUnixNanos, timestamp, out var length);
                json.WriteStringValue(timestamp[..length]);
                if (fix is { } fixedLine)
                {
                    var line = new byte[fixedLine.Length];
                    fixedLine.CopyTo(line);
                    json.WriteStringValue(line);
                }
                else
                {
                    json.WriteStringValue(entry.Line.Span);
                }

                if (entry.Metadata is { } metadata)
                {
                    json.WriteStartObject();
                    for (var m = 0; m < metadata.Utf8Names.Length; m++)
                    {
                        json.WriteString(metadata.Utf8Names[m], metadata.Utf8Values[m]);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                entriesWritten++;
            }

            if (opened)
            {
                json.WriteEndArray();
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteStreamStart(Utf8JsonWriter json, LabelSet labels)
    {
        json.WriteStartObject();
        json.WriteStartObject("stream"u8);
        foreach (var label in labels.Labels)
        {
            json.WriteString(label.Name, label.Value);
        }

        json.WriteEndObject();
        json.WriteStartArray("values"u8);
    }
}

using System.Text;
using ActorLoki.Loki;
using ActorLoki.Loki.Wire;

namespace ActorLoki.Loki.Tests;

/// <summary>Builds batches for tests: lines as strings, stored as UTF-8 slices of one shared buffer (as a tail's chunk would be).</summary>
internal static class TestBatches
{
    public static LabelSet Labels(params (string Name, string Value)[] labels)
    {
        var builder = new LabelSetBuilder();
        foreach (var (name, value) in labels)
        {
            builder.Set(name, value);
        }

        return builder.Build();
    }

    public static PushStream Stream(LabelSet labels, params (long Timestamp, string Line)[] entries) =>
        Stream(labels, null, entries);

    public static PushStream Stream(LabelSet labels, StructuredMetadata? metadata, params (long Timestamp, string Line)[] entries)
    {
        var stream = new PushStream(labels);
        var chunk = new MemoryStream();
        var slices = new List<(long, int, int)>();
        foreach (var (timestamp, line) in entries)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            slices.Add((timestamp, (int)chunk.Length, bytes.Length));
            chunk.Write(bytes);
        }

        var buffer = chunk.ToArray();
        foreach (var (timestamp, offset, length) in slices)
        {
            stream.Add(timestamp, buffer.AsMemory(offset, length), metadata);
        }

        return stream;
    }

    public static PushStream RawStream(LabelSet labels, params (long Timestamp, byte[] Line)[] entries)
    {
        var stream = new PushStream(labels);
        foreach (var (timestamp, line) in entries)
        {
            stream.Add(timestamp, line);
        }

        return stream;
    }

    public static PushBatch Batch(params PushStream[] streams) => new(1, streams);

    /// <summary>The whole batch as one request.</summary>
    public static RequestPlan Plan(PushBatch batch, int maxLineBytes = 256 * 1024) =>
        RequestPlan.Next(batch, PushCursor.Start, long.MaxValue, maxLineBytes)!;

    public static byte[] Uncompressed(EncodedRequest request) => IronSnappy.Snappy.Decode(request.Body.Span);

    /// <summary>Nanoseconds since the epoch of a time.</summary>
    public static long Nanos(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}

using System.Buffers;
using System.Numerics;

namespace ActorLoki.Loki.Wire;

/// <summary>
/// Writes Loki's <c>logproto.PushRequest</c> wire format straight from the batch's UTF-8 line bytes: no
/// message objects, no string per line. A first pass measures every nested message (so lengths are
/// known before their contents are written, and the buffer is rented at its exact size), a second pass
/// writes. The bytes are the canonical encoding Google.Protobuf's serializer produces for the same
/// request (fields in number order, empty scalars left out).
/// </summary>
/// <remarks>
/// Kept over encoding through the generated <c>PushRequest</c> because it is faster, measured with Google.Protobuf
/// 3.36.2 on a 1 MiB batch of 5,242 200-byte lines (loki-encode benchmark, 2 shared cores): this writer 2,388 MB/s
/// per CPU-second and 0 KiB allocated per batch; the generated types 474 MB/s and 2,914 KiB (a string per line
/// and an object per entry), and even with the message already built, serialising it alone runs at 934 MB/s.
/// The tests decode every encoding with the generated parser and compare it with the generated serialiser's bytes.
/// </remarks>
internal static class ProtobufPushWriter
{
    // Field tags: (field number << 3) | wire type 2 (length-delimited) or 0 (varint).
    private const byte StreamTag = 0x0A;        // PushRequest.streams = 1
    private const byte LabelsTag = 0x0A;        // StreamAdapter.labels = 1
    private const byte EntryTag = 0x12;         // StreamAdapter.entries = 2
    private const byte TimestampTag = 0x0A;     // EntryAdapter.timestamp = 1
    private const byte LineTag = 0x12;          // EntryAdapter.line = 2
    private const byte MetadataTag = 0x1A;      // EntryAdapter.structuredMetadata = 3
    private const byte NameTag = 0x0A;          // LabelPairAdapter.name = 1
    private const byte ValueTag = 0x12;         // LabelPairAdapter.value = 2
    private const byte SecondsTag = 0x08;       // Timestamp.seconds = 1 (varint)
    private const byte NanosTag = 0x10;         // Timestamp.nanos = 2 (varint)
    private const long NanosPerSecond = 1_000_000_000;

    /// <summary>Encodes a request; the caller disposes the result (its buffer is pooled).</summary>
    public static PooledBytes Encode(RequestPlan plan, LineLimits limits, out List<LineFix>? fixes, out int entriesWritten)
    {
        var streamSizes = ArrayPool<int>.Shared.Rent(plan.Segments.Count);
        try
        {
            var total = Measure(plan, limits, streamSizes, out fixes, out entriesWritten);
            var buffer = new PooledBytes(total);
            var written = Write(plan, fixes, streamSizes, buffer.Array.AsSpan(0, total));
            System.Diagnostics.Debug.Assert(written == total, "measured and written sizes differ");
            buffer.Length = total;
            return buffer;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(streamSizes);
        }
    }

    /// <summary>The repeated <c>structuredMetadata</c> field of an entry, tags included.</summary>
    public static byte[] EncodeMetadataFields(byte[][] names, byte[][] values)
    {
        var size = 0;
        for (var i = 0; i < names.Length; i++)
        {
            var pair = PairSize(names[i].Length, values[i].Length);
            size += 1 + VarintSize((ulong)pair) + pair;
        }

        var bytes = new byte[size];
        var at = 0;
        for (var i = 0; i < names.Length; i++)
        {
            bytes[at++] = MetadataTag;
            at += WriteVarint(bytes.AsSpan(at), (ulong)PairSize(names[i].Length, values[i].Length));
            at += WriteBytesField(bytes.AsSpan(at), NameTag, names[i]);
            at += WriteBytesField(bytes.AsSpan(at), ValueTag, values[i]);
        }

        return bytes;
    }

    private static int Measure(RequestPlan plan, LineLimits limits, int[] streamSizes, out List<LineFix>? fixes, out int entriesWritten)
    {
        fixes = null;
        entriesWritten = 0;
        var total = 0;
        for (var s = 0; s < plan.Segments.Count; s++)
        {
            var segment = plan.Segments[s];
            var stream = plan.Batch.Streams[segment.Stream];
            var size = 0;
            for (var i = 0; i < segment.Count; i++)
            {
                ref readonly var entry = ref stream[segment.Start + i];
                var lineLength = entry.Line.Length;
                if (LineFix.For(segment.Stream, segment.Start + i, entry.Line, limits) is { } fix)
                {
                    (fixes ??= []).Add(fix);
                    if (fix.Dropped)
                    {
                        continue;
                    }

                    lineLength = fix.Length;
                }

                var entrySize = EntrySize(entry.TimestampUnixNanos, lineLength, entry.Metadata);
                size += 1 + VarintSize((ulong)entrySize) + entrySize;
                entriesWritten++;
            }

            if (size == 0)
            {
                // Every line of the segment was dropped: the stream is left out of the request.
                streamSizes[s] = 0;
                continue;
            }

            var labels = stream.Labels.Utf8Text.Length;
            size += 1 + VarintSize((ulong)labels) + labels;
            streamSizes[s] = size;
            total += 1 + VarintSize((ulong)size) + size;
        }

        return total;
    }

    private static int Write(RequestPlan plan, List<LineFix>? fixes, int[] streamSizes, Span<byte> destination)
    {
        var at = 0;
        var nextFix = 0;
        for (var s = 0; s < plan.Segments.Count; s++)
        {
            var segment = plan.Segments[s];
            var stream = plan.Batch.Streams[segment.Stream];
            if (streamSizes[s] == 0)
            {
                while (fixes is not null && nextFix < fixes.Count && fixes[nextFix].Stream == segment.Stream && fixes[nextFix].Entry < segment.Start + segment.Count)
                {
                    nextFix++;
                }

                continue;
            }

            destination[at++] = StreamTag;
            at += WriteVarint(destination[at..], (ulong)streamSizes[s]);
            at += WriteBytesField(destination[at..], LabelsTag, stream.Labels.Utf8Text);
            for (var i = 0; i < segment.Count; i++)
            {
                ref readonly var entry = ref stream[segment.Start + i];
                LineFix? fix = null;
                if (fixes is not null && nextFix < fixes.Count && fixes[nextFix].Stream == segment.Stream && fixes[nextFix].Entry == segment.Start + i)
                {
                    fix = fixes[nextFix++];
                    if (fix.Value.Dropped)
                    {
                        continue;
                    }
                }

                at += WriteEntry(destination[at..], entry, fix);
            }
        }

        return at;
    }

    private static int WriteEntry(Span<byte> destination, in LogEntry entry, LineFix? fix)
    {
        var lineLength = fix?.Length ?? entry.Line.Length;
        var (seconds, nanos) = SplitTimestamp(entry.TimestampUnixNanos);
        var timestampSize = TimestampSize(seconds, nanos);
        var at = 0;
        destination[at++] = EntryTag;
        at += WriteVarint(destination[at..], (ulong)EntrySize(entry.TimestampUnixNanos, lineLength, entry.Metadata));
        destination[at++] = TimestampTag;
        at += WriteVarint(destination[at..], (ulong)timestampSize);
        if (seconds != 0)
        {
            destination[at++] = SecondsTag;
            at += WriteVarint(destination[at..], unchecked((ulong)seconds));
        }

        if (nanos != 0)
        {
            destination[at++] = NanosTag;
            at += WriteVarint(destination[at..], (ulong)nanos);
        }

        if (lineLength > 0)
        {
            destination[at++] = LineTag;
            at += WriteVarint(destination[at..], (ulong)lineLength);
            if (fix is { } f)
            {
                f.CopyTo(destination[at..]);
            }
            else
            {
                entry.Line.Span.CopyTo(destination[at..]);
            }

            at += lineLength;
        }

        if (entry.Metadata is { } metadata)
        {
            metadata.ProtobufFields.CopyTo(destination[at..]);
            at += metadata.ProtobufFields.Length;
        }

        return at;
    }

    private static int EntrySize(long timestampUnixNanos, int lineLength, StructuredMetadata? metadata)
    {
        var (seconds, nanos) = SplitTimestamp(timestampUnixNanos);
        var timestampSize = TimestampSize(seconds, nanos);
        var size = 1 + VarintSize((ulong)timestampSize) + timestampSize;
        if (lineLength > 0)
        {
            size += 1 + VarintSize((ulong)lineLength) + lineLength;
        }

        return size + (metadata?.ProtobufFields.Length ?? 0);
    }

    /// <summary>google.protobuf.Timestamp: seconds, and nanos in [0, 1e9) even before the epoch.</summary>
    private static (long Seconds, int Nanos) SplitTimestamp(long unixNanos)
    {
        var seconds = Math.DivRem(unixNanos, NanosPerSecond, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }

        return (seconds, (int)nanos);
    }

    private static int TimestampSize(long seconds, int nanos) =>
        (seconds != 0 ? 1 + VarintSize(unchecked((ulong)seconds)) : 0) + (nanos != 0 ? 1 + VarintSize((ulong)nanos) : 0);

    private static int PairSize(int name, int value) =>
        (name > 0 ? 1 + VarintSize((ulong)name) + name : 0) + (value > 0 ? 1 + VarintSize((ulong)value) + value : 0);

    private static int WriteBytesField(Span<byte> destination, byte tag, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return 0;
        }

        destination[0] = tag;
        var at = 1 + WriteVarint(destination[1..], (ulong)bytes.Length);
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    internal static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    internal static int WriteVarint(Span<byte> destination, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[at++] = (byte)value;
        return at;
    }
}

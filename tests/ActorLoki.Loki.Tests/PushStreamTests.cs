using System.Text;
using ActorLoki.Loki;
using ActorLoki.Loki.Protos;
using ActorLoki.Loki.Wire;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

public sealed class PushStreamTests
{
    private static readonly ReadOnlyMemory<byte> Line = "a line of two hundred bytes, or so"u8.ToArray();

    [Fact]
    public void Entries_across_many_segments_read_back_in_order_and_are_counted()
    {
        var stream = new PushStream(Labels(("app", "a")));
        var count = (PushStream.SegmentLength * 3) + 17;

        for (var i = 0; i < count; i++)
        {
            stream.Add(i, Line[..(i % Line.Length)]);
        }

        stream.Count.Should().Be(count);
        stream.LineBytes.Should().Be(Enumerable.Range(0, count).Sum(i => (long)(i % Line.Length)));
        var read = new List<(long, int)>();
        for (var i = 0; i < count; i++)
        {
            read.Add((stream[i].TimestampUnixNanos, stream[i].Line.Length));
        }

        read.Should().Equal(Enumerable.Range(0, count).Select(i => ((long)i, i % Line.Length)));
        FluentActions.Invoking(() => stream[count]).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => stream[-1]).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_growing_stream_never_copies_its_entries_so_it_allocates_about_what_it_holds()
    {
        // A backlog read at full speed piles up hundreds of thousands of lines in one stream while a batch is
        // in flight. A doubling array would allocate every size up to twice the final one (32 MiB here, on the
        // large object heap, which is not compacted); segments allocate the entries' size once.
        const int Count = 300_000;
        var stream = new PushStream(Labels(("app", "a")));
        var entryBytes = (long)Count * System.Runtime.CompilerServices.Unsafe.SizeOf<LogEntry>();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            stream.Add(i, Line);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().BeLessThan(entryBytes + (entryBytes / 10), "entries are stored once, in fixed segments");
        stream.Count.Should().Be(Count);
    }

    [Fact]
    public void Clear_forgets_every_entry_and_the_stream_fills_again()
    {
        var stream = new PushStream(Labels(("app", "a")));
        for (var i = 0; i < PushStream.SegmentLength + 5; i++)
        {
            stream.Add(i, Line);
        }

        stream.Clear();

        stream.Count.Should().Be(0);
        stream.LineBytes.Should().Be(0);
        FluentActions.Invoking(() => stream[0]).Should().Throw<ArgumentOutOfRangeException>();
        for (var i = 0; i < PushStream.SegmentLength + 5; i++)
        {
            stream.Add(1000 + i, Line);
        }

        stream.Count.Should().Be(PushStream.SegmentLength + 5);
        stream[PushStream.SegmentLength + 4].TimestampUnixNanos.Should().Be(1000 + PushStream.SegmentLength + 4);
    }

    [Fact]
    public void Requests_cut_across_segment_boundaries_carry_every_line_once_in_order()
    {
        var count = (PushStream.SegmentLength * 2) + 300;
        var batch = Batch(Stream(Labels(("app", "a")), Enumerable.Range(0, count).Select(i => ((long)i + 1, $"line {i:D6}")).ToArray()));

        var lines = new List<string>();
        var cursor = PushCursor.Start;
        var requests = 0;
        while (RequestPlan.Next(batch, cursor, maxLineBytes: 7_000, maxLineSize: 1 << 20) is { } plan)
        {
            using var request = EncodedRequest.Encode(plan, PushFormat.Protobuf, false, LineLimits.Default);
            var decoded = PushRequest.Parser.ParseFrom(Uncompressed(request));
            lines.AddRange(decoded.Streams.SelectMany(s => s.Entries).Select(e => e.Line));
            cursor = plan.End;
            requests++;
        }

        requests.Should().BeGreaterThan(3, "700 lines of 11 bytes per request: boundaries fall inside segments");
        lines.Should().Equal(Enumerable.Range(0, count).Select(i => $"line {i:D6}"));
        Encoding.UTF8.GetString(batch.Streams[0][PushStream.SegmentLength].Line.Span).Should().Be($"line {PushStream.SegmentLength:D6}");
    }
}

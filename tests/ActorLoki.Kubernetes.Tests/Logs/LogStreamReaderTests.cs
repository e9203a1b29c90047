using System.Text;
using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes.Tests.Logs;

public sealed class LogStreamReaderTests
{
    private const string T1 = "2024-05-01T12:34:56.000000001Z";
    private const string T2 = "2024-05-01T12:34:56.000000002Z";
    private const string T3 = "2024-05-01T12:34:57.500000000Z";

    private static readonly long Base = (new DateTimeOffset(2024, 5, 1, 12, 34, 56, TimeSpan.Zero).UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    [Fact]
    public async Task Lines_are_split_and_their_timestamps_parsed()
    {
        var lines = await ReadAllAsync($"{T1} first\n{T2} second\n{T3} third\n");

        lines.Select(l => l.Text).Should().Equal("first", "second", "third");
        lines.Select(l => l.Line.Timestamp).Should().Equal(Base + 1, Base + 2, Base + 1_500_000_000);
        lines.Should().OnlyContain(l => l.Line.Flags == LogLineFlags.None);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(31)]
    public async Task Lines_split_across_reads_are_joined(int readSize)
    {
        var text = string.Concat(Enumerable.Range(0, 50).Select(i => $"{T1} line number {i} with some text\n"));

        var lines = await ReadAllAsync(text, readSizes: readSize);

        lines.Select(l => l.Text).Should().Equal(Enumerable.Range(0, 50).Select(i => $"line number {i} with some text"));
    }

    [Fact]
    public async Task A_trailing_carriage_return_is_stripped_and_empty_lines_are_kept()
    {
        var lines = await ReadAllAsync($"{T1} windows\r\n{T2} \n{T3} \r\n");

        lines.Select(l => l.Text).Should().Equal("windows", string.Empty, string.Empty);
    }

    [Fact]
    public async Task A_line_without_a_timestamp_keeps_the_previous_timestamp_and_is_counted()
    {
        await using var reader = Reader($"{T1} good\nno timestamp here\n{T3} good again\n", new LogReaderOptions());
        var lines = await DrainAsync(reader);

        lines.Select(l => l.Text).Should().Equal("good", "no timestamp here", "good again");
        lines[1].Line.Flags.Should().Be(LogLineFlags.TimestampMissing);
        lines[1].Line.Timestamp.Should().Be(Base + 1);
        reader.Statistics.MalformedLines.Should().Be(1);
        reader.Statistics.Lines.Should().Be(3);
    }

    [Fact]
    public async Task A_first_line_without_a_timestamp_gets_zero()
    {
        var lines = await ReadAllAsync("Error from server: something\n");

        lines.Should().ContainSingle().Which.Line.Should().Be(lines[0].Line with { Timestamp = 0, Flags = LogLineFlags.TimestampMissing });
    }

    [Fact]
    public async Task Without_timestamps_the_whole_line_is_content()
    {
        var lines = await ReadAllAsync($"{T1} kept as text\nplain\n", new LogReaderOptions { Timestamps = false });

        lines.Select(l => l.Text).Should().Equal($"{T1} kept as text", "plain");
        lines.Should().OnlyContain(l => l.Line.Timestamp == 0 && l.Line.Flags == LogLineFlags.None);
    }

    [Fact]
    public async Task A_last_line_without_newline_is_delivered_as_unterminated()
    {
        await using var reader = Reader($"{T1} whole\n{T2} cut by limitBy", new LogReaderOptions());
        var lines = await DrainAsync(reader);

        lines.Select(l => l.Text).Should().Equal("whole", "cut by limitBy");
        lines[1].Line.Flags.Should().Be(LogLineFlags.Unterminated);
        reader.Statistics.UnterminatedLines.Should().Be(1);
    }

    [Fact]
    public async Task An_over_long_line_is_cut_into_flagged_pieces_and_counted_once()
    {
        var longContent = new string('x', 250);
        await using var reader = Reader($"{T1} short\n{T2} {longContent}\n{T3} after\n", new LogReaderOptions { MaxLineBytes = 100 }, readSizes: 7);
        var lines = await DrainAsync(reader);

        lines.Select(l => l.Text.Length).Should().Equal(5, 100, 100, 50, 5);
        string.Concat(lines.Skip(1).Take(3).Select(l => l.Text)).Should().Be(longContent);
        lines[1].Line.Flags.Should().Be(LogLineFlags.Truncated);
        lines[2].Line.Flags.Should().Be(LogLineFlags.Truncated | LogLineFlags.Continuation);
        lines[3].Line.Flags.Should().Be(LogLineFlags.Continuation);
        lines.Skip(1).Take(3).Should().OnlyContain(l => l.Line.Timestamp == Base + 2);
        lines[4].Line.Flags.Should().Be(LogLineFlags.None);
        reader.Statistics.CutLines.Should().Be(1);
        reader.Statistics.Lines.Should().Be(3);
    }

    [Fact]
    public async Task Pieces_of_an_over_long_line_are_delivered_before_its_end_arrives()
    {
        // A 1 MiB line with a 1 KiB limit: the reader must hand out pieces as they come, never hold the whole line.
        var stream = new ScriptedStream();
        await using var reader = new LogStreamReader(stream, new LogReaderOptions { MaxLineBytes = 1024, ReadBytes = 4096 });
        stream.Add(Encoding.ASCII.GetBytes(T1 + " "));
        for (var i = 0; i < 256; i++)
        {
            stream.Add(Encoding.ASCII.GetBytes(new string('y', 4096)));
        }

        stream.Add("\n"u8.ToArray());

        var total = 0;
        var pieces = 0;
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            using (chunk)
            {
                foreach (var line in chunk.Lines)
                {
                    line.Length.Should().BeLessThanOrEqualTo(1024);
                    total += line.Length;
                    pieces++;
                }
            }

            stream.MaxBufferedByReader.Should().BeLessThan(4 * 4096);
        }

        total.Should().Be(256 * 4096);
        pieces.Should().Be(1024);
        reader.Statistics.CutLines.Should().Be(1);
    }

    [Fact]
    public async Task A_cut_never_splits_a_UTF8_character()
    {
        // "é" is two bytes: with a limit of 9 bytes the cut must fall before the character, not inside it.
        var lines = await ReadAllAsync($"{T1} abcdefghé-rest\n", new LogReaderOptions { MaxLineBytes = 16 });
        var small = await ReadAllAsync($"{T1} aaaaaaaaaaaaaaaé\n", new LogReaderOptions { MaxLineBytes = 16 });

        lines.Select(l => l.Text).Should().Equal("abcdefghé-rest");
        small.Select(l => l.Text).Should().Equal("aaaaaaaaaaaaaaa", "é");
    }

    [Fact]
    public async Task Chunk_bytes_stay_valid_after_later_reads_and_fail_after_dispose()
    {
        var stream = new ScriptedStream();
        await using var reader = new LogStreamReader(stream, new LogReaderOptions { ReadBytes = 256 });
        stream.Add(Encoding.ASCII.GetBytes($"{T1} first chunk line\n"));
        stream.Add(Encoding.ASCII.GetBytes($"{T2} second chunk line\n"));

        var first = (await reader.ReadChunkAsync())!;
        var second = (await reader.ReadChunkAsync())!;

        first.GetString(0).Should().Be("first chunk line");
        second.GetString(0).Should().Be("second chunk line");
        first.Dispose();
        first.Dispose();
        var read = () => first.Lines.Length;
        read.Should().Throw<ObjectDisposedException>();
        second.GetString(0).Should().Be("second chunk line");
        second.Dispose();
    }

    [Fact]
    public async Task Statistics_count_bytes_read()
    {
        var text = $"{T1} a\n{T2} b\n";
        await using var reader = Reader(text, new LogReaderOptions());
        await DrainAsync(reader);

        reader.Statistics.Bytes.Should().Be(Encoding.ASCII.GetByteCount(text));
    }

    [Fact]
    public async Task The_read_buffer_goes_back_to_the_pool_as_soon_as_a_chunk_is_complete()
    {
        // Hundreds of followed streams get data at once and each hands over a chunk. Were every reader to keep
        // its 64 KiB read buffer until asked for more, the pool would run dry and each read would allocate one.
        const int Streams = 200;
        var readers = Enumerable.Range(0, Streams).Select(i => Reader($"{T1} stream {i}\n{T2} more\n", new LogReaderOptions())).ToList();
        (await readers[0].ReadChunkAsync())!.Dispose();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var chunks = new List<LogChunk>();
        for (var i = 1; i < Streams; i++)
        {
            chunks.Add((await readers[i].ReadChunkAsync())!);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        chunks.Should().OnlyContain(c => c.Count == 2);
        allocated.Should().BeLessThan(Streams * 64L * 1024 / 8, "the read buffers are reused, not allocated per stream");
        chunks.ForEach(c => c.Dispose());
        readers.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task A_backlog_is_read_in_chunks_no_larger_than_the_read_size()
    {
        // A chunk lives until Loki has its lines. Chunks over 64 KiB would be pooled arrays of 128 KiB, on the large
        // object heap, which is not compacted: reading a backlog then fragmented it until a container limit was hit.
        var text = string.Concat(Enumerable.Range(0, 3_000).Select(i => $"{T1} {i:D6} {new string('x', 160)}\n"));
        await using var reader = Reader(text, new LogReaderOptions());

        var sizes = new List<int>();
        var lines = new List<string>();
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            using (chunk)
            {
                sizes.Add(chunk.ByteCount);
                foreach (var line in chunk.Lines)
                {
                    lines.Add(Encoding.UTF8.GetString(chunk.GetContent(line))[..6]);
                }
            }
        }

        sizes.Should().HaveCountGreaterThan(5).And.OnlyContain(size => size <= 64 * 1024);
        lines.Should().Equal(Enumerable.Range(0, 3_000).Select(i => $"{i:D6}"));
    }

    [Fact]
    public void A_chunk_can_be_built_for_consumers_tests()
    {
        using var chunk = LogChunk.Create([(5, "one"), (6, "two")]);

        chunk.Count.Should().Be(2);
        chunk.GetString(1).Should().Be("two");
        chunk[1].Timestamp.Should().Be(6);
    }

    private static LogStreamReader Reader(string text, LogReaderOptions options, int readSizes = int.MaxValue)
    {
        var stream = new ScriptedStream();
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i += readSizes)
        {
            stream.Add(bytes.AsSpan(i, Math.Min(readSizes, bytes.Length - i)).ToArray());
        }

        return new LogStreamReader(stream, options);
    }

    private static async Task<List<(string Text, LogLine Line)>> ReadAllAsync(string text, LogReaderOptions? options = null, int readSizes = int.MaxValue)
    {
        await using var reader = Reader(text, options ?? new LogReaderOptions(), readSizes);
        return await DrainAsync(reader);
    }

    private static async Task<List<(string Text, LogLine Line)>> DrainAsync(LogStreamReader reader)
    {
        var lines = new List<(string, LogLine)>();
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            using (chunk)
            {
                foreach (var line in chunk.Lines)
                {
                    lines.Add((Encoding.UTF8.GetString(chunk.GetContent(line)), line));
                }
            }
        }

        return lines;
    }

    /// <summary>A stream that returns exactly the pieces it was given, one per read (at most the reader's buffer).</summary>
    private sealed class ScriptedStream : Stream
    {
        private readonly Queue<byte[]> _pieces = new();
        private byte[] _current = [];
        private int _offset;

        public int MaxBufferedByReader { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Add(byte[] piece) => _pieces.Enqueue(piece);

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            MaxBufferedByReader = Math.Max(MaxBufferedByReader, buffer.Length);
            if (buffer.Length == 0)
            {
                return 0;
            }

            if (_offset == _current.Length)
            {
                if (!_pieces.TryDequeue(out var next))
                {
                    return 0;
                }

                (_current, _offset) = (next, 0);
            }

            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Buffers;

namespace ActorLoki.Kubernetes.Logs;

/// <summary>Settings of a <see cref="LogStreamReader"/>.</summary>
public sealed record LogReaderOptions
{
    /// <summary>Lines whose content is longer than this are cut into pieces of at most this many bytes (Loki's default limit).</summary>
    public int MaxLineBytes { get; init; } = 256 * 1024;

    /// <summary>Bytes asked of the stream per read.</summary>
    public int ReadBytes { get; init; } = 64 * 1024;

    /// <summary>True when each line starts with a kubelet timestamp and a space (the request had <c>timestamps=true</c>).</summary>
    public bool Timestamps { get; init; } = true;
}

/// <summary>
/// Reads a container log stream (the body of <c>pods/{name}/log</c>) as chunks of lines.
/// <para>
/// Lines stay UTF-8 bytes: each read's bytes are searched for newlines with a vectorised search, every
/// line's kubelet timestamp is parsed from bytes, and the complete lines are copied once into a right-sized
/// pooled buffer that becomes the <see cref="LogChunk"/> handed to the caller. A line split across reads is
/// joined; a line longer than <see cref="LogReaderOptions.MaxLineBytes"/> is delivered in pieces (flagged and
/// counted) so no line is ever buffered without bound. While a stream is idle the reader holds no buffer
/// (it waits with a zero-byte read), so thousands of quiet followed containers cost little memory.
/// </para>
/// Not thread-safe: one caller reads a stream.
/// </summary>
public sealed class LogStreamReader : IDisposable, IAsyncDisposable
{
    // The longest RFC3339 prefix a line can carry before its content: date, time, 9+ fraction digits, offset, space.
    private const int TimestampAllowance = 64;

    private readonly Stream _stream;
    private readonly IDisposable? _owner;
    private readonly bool _timestamps;
    private readonly int _maxLineBytes;
    private readonly int _readBytes;

    private const int Idle = 0;
    private const int Reading = 1;
    private const int Disposed = 2;

    private int _state;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _scanned;
    private bool _inCutLine;
    private long _lastTimestamp;
    private bool _eof;
    // The lines of the chunk being built, with offsets relative to _chunkStart; handed over with the chunk.
    private LogLine[]? _chunkLines;
    private int _chunkCount;
    private int _chunkStart;

    private long _lines;
    private long _bytes;
    private long _cutLines;
    private long _malformed;
    private long _unterminated;

    /// <summary>Reads <paramref name="stream"/>; <paramref name="owner"/> (e.g. the HTTP response) is disposed with the reader.</summary>
    public LogStreamReader(Stream stream, LogReaderOptions? options = null, IDisposable? owner = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new LogReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLineBytes, 16, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReadBytes, 256, nameof(options));
        _stream = stream;
        _owner = owner;
        _timestamps = options.Timestamps;
        _maxLineBytes = options.MaxLineBytes;
        _readBytes = options.ReadBytes;
    }

    public LogStreamStatistics Statistics => new(_lines, _bytes, _cutLines, _malformed, _unterminated);

    /// <summary>
    /// The next chunk of lines, or null at the end of the stream. Waits until at least one line is complete.
    /// A transport error (a reset stream) is thrown; the bytes of an incomplete last line are then discarded.
    /// </summary>
    public async ValueTask<LogChunk?> ReadChunkAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Reading, Idle) != Idle)
        {
            throw Volatile.Read(ref _state) == Disposed
                ? new ObjectDisposedException(nameof(LogStreamReader))
                : new InvalidOperationException("A read is already in progress; a LogStreamReader reads one chunk at a time.");
        }

        try
        {
            return await ReadChunkCoreAsync(cancellationToken);
        }
        finally
        {
            // Disposed while this read ran: the buffers were left to this read to give back, now that nothing writes into them.
            if (Interlocked.CompareExchange(ref _state, Idle, Reading) != Reading)
            {
                ReturnBuffer();
            }
        }
    }

    private async ValueTask<LogChunk?> ReadChunkCoreAsync(CancellationToken cancellationToken)
    {
        while (!_eof)
        {
            ReleaseBufferIfDrained();
            if (_buffer is null)
            {
                // Zero-byte read: wait for data without holding a buffer (HTTP/1.1 and HTTP/2 response streams support it).
#pragma warning disable CA2022 // A zero-byte read only waits for data; it always returns 0.
                await _stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
            }

            var wanted = PrepareBuffer();
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end, wanted), cancellationToken);
            if (read == 0)
            {
                _eof = true;
                return Split(final: true);
            }

            _end += read;
            _bytes += read;
            if (Split(final: false) is { } chunk)
            {
                // The chunk owns a copy of its lines: the read buffer goes back to the pool now, not when the
                // caller asks for more. Hundreds of streams receiving data at once would otherwise each hold
                // one while their chunks are handled, more than the pool keeps, and every read would allocate.
                ReleaseBufferIfDrained();
                return chunk;
            }
        }

        return null;
    }

    /// <summary>
    /// Closes the stream. Safe while a read is running (from another thread): that read then fails, and its
    /// buffers go back to the pool only when it has finished with them.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Idle)
        {
            ReturnBuffer();
        }

        _stream.Dispose();
        _owner?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Makes room after the pending bytes (a partial line) for the next read, and returns how much to read: what
    /// brings the buffer to <see cref="_readBytes"/>, so that a chunk copied out of it fits the same pool size and
    /// stays under the large object heap's threshold at the default 64 KiB (a chunk lives until Loki has its
    /// lines, and chunks on the large object heap, which is not compacted, fragmented it under a memory limit).
    /// A pending line longer than that still gets a quarter read at a time until it completes or is cut.
    /// </summary>
    private int PrepareBuffer()
    {
        var pending = _end - _start;
        var wanted = Math.Max(_readBytes - pending, _readBytes / 4);
        if (_buffer is not null && _buffer.Length - _end >= wanted)
        {
            return wanted;
        }

        // Move the pending partial line to the front of a buffer just big enough. The pending bytes are bounded
        // (a longer line is cut), so the buffer is too; a buffer grown for one long line shrinks again afterwards.
        var needed = pending + wanted;
        var target = _buffer is not null && _buffer.Length >= needed && _buffer.Length <= 2 * needed ? _buffer : ArrayPool<byte>.Shared.Rent(needed);
        if (_buffer is not null)
        {
            _buffer.AsSpan(_start, pending).CopyTo(target);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
        }

        _buffer = target;
        _scanned = Math.Max(0, _scanned - _start);
        _start = 0;
        _end = pending;
        return wanted;
    }

    /// <summary>Turns every complete line (and cut piece) between <see cref="_start"/> and <see cref="_end"/> into a chunk.</summary>
    private LogChunk? Split(bool final)
    {
        if (_buffer is null)
        {
            return null;
        }

        var buffer = _buffer;
        var first = _start;
        var position = _start;
        _chunkStart = first;
        _chunkCount = 0;
        while (true)
        {
            var from = Math.Max(position, _scanned);
            var newline = buffer.AsSpan(from, _end - from).IndexOf((byte)'\n');
            if (newline < 0)
            {
                _scanned = _end;
                if (final && position < _end)
                {
                    AddLine(buffer, position, _end, LogLineFlags.Unterminated);
                    _unterminated++;
                    position = _end;
                }
                else if (_end - position > _maxLineBytes + (_inCutLine ? 0 : TimestampAllowance))
                {
                    // An unfinished line already over the limit: deliver a piece now rather than buffer it further.
                    position = AddPiece(buffer, position, _end);
                    continue;
                }

                break;
            }

            AddLine(buffer, position, from + newline, LogLineFlags.None);
            position = from + newline + 1;
        }

        _start = position;
        if (_chunkCount == 0)
        {
            return null;
        }

        // One copy of the consumed bytes into a buffer the chunk owns; line offsets are already relative to it.
        var size = position - first;
        var bytes = ChunkPool.RentBytes(size);
        buffer.AsSpan(first, size).CopyTo(bytes);
        var chunk = new LogChunk(bytes, size, _chunkLines!, _chunkCount);
        _chunkLines = null;
        return chunk;
    }

    /// <summary>Adds the line in [<paramref name="start"/>, <paramref name="end"/>) (newline excluded), cutting it if too long.</summary>
    private void AddLine(byte[] buffer, int start, int end, LogLineFlags extra)
    {
        var contentStart = start;
        long timestamp;
        var flags = extra;
        if (_inCutLine)
        {
            timestamp = _lastTimestamp;
            flags |= LogLineFlags.Continuation;
        }
        else
        {
            timestamp = ReadTimestamp(buffer, start, end, ref contentStart, ref flags);
        }

        var contentEnd = end;
        if (contentEnd > contentStart && buffer[contentEnd - 1] == (byte)'\r')
        {
            contentEnd--;
        }

        while (contentEnd - contentStart > _maxLineBytes)
        {
            var cut = CutPoint(buffer, contentStart);
            Append(new LogLine(contentStart, cut - contentStart, timestamp, (flags & ~LogLineFlags.Unterminated) | LogLineFlags.Truncated));
            if (!_inCutLine)
            {
                _inCutLine = true;
                _cutLines++;
            }

            flags = (flags & LogLineFlags.Unterminated) | LogLineFlags.Continuation;
            contentStart = cut;
        }

        Append(new LogLine(contentStart, contentEnd - contentStart, timestamp, flags));
        _inCutLine = false;
        _lines++;
    }

    /// <summary>Delivers the first <see cref="_maxLineBytes"/> of an unfinished line; returns where the rest starts.</summary>
    private int AddPiece(byte[] buffer, int start, int end)
    {
        var contentStart = start;
        var flags = LogLineFlags.Truncated;
        long timestamp;
        if (_inCutLine)
        {
            timestamp = _lastTimestamp;
            flags |= LogLineFlags.Continuation;
        }
        else
        {
            timestamp = ReadTimestamp(buffer, start, end, ref contentStart, ref flags);
            _inCutLine = true;
            _cutLines++;
        }

        var cut = CutPoint(buffer, contentStart);
        Append(new LogLine(contentStart, cut - contentStart, timestamp, flags));
        return cut;
    }

    private long ReadTimestamp(byte[] buffer, int start, int end, ref int contentStart, ref LogLineFlags flags)
    {
        if (!_timestamps)
        {
            return 0;
        }

        var line = buffer.AsSpan(start, end - start);
        if (KubeletTimestamp.TryParse(line, out var timestamp, out var length) && length < line.Length && line[length] == (byte)' ')
        {
            contentStart = start + length + 1;
            _lastTimestamp = timestamp;
            return timestamp;
        }

        // Not a kubelet line (a proxy's error text, a corrupted stream): keep it whole, with the last known time.
        flags |= LogLineFlags.TimestampMissing;
        _malformed++;
        return _lastTimestamp;
    }

    /// <summary>Where to cut a piece starting at <paramref name="start"/>: at most the limit, never inside a UTF-8 sequence.</summary>
    private int CutPoint(byte[] buffer, int start)
    {
        var cut = start + _maxLineBytes;
        for (var back = 0; back < 3 && (buffer[cut] & 0xC0) == 0x80; back++)
        {
            cut--;
        }

        return cut;
    }

    private void Append(LogLine line)
    {
        if (_chunkLines is null)
        {
            // Sized for lines of about 128 bytes; grown if they are shorter.
            _chunkLines = ChunkPool.RentLines(Math.Max(16, (_end - _chunkStart) / 128));
        }
        else if (_chunkCount == _chunkLines.Length)
        {
            var larger = ChunkPool.RentLines(_chunkLines.Length * 2);
            _chunkLines.AsSpan().CopyTo(larger);
            ChunkPool.Return(_chunkLines);
            _chunkLines = larger;
        }

        _chunkLines[_chunkCount++] = line with { Offset = line.Offset - _chunkStart };
    }

    /// <summary>Nothing pending (no partial line): the read buffer goes back to the pool until data comes.</summary>
    private void ReleaseBufferIfDrained()
    {
        if (_end == _start && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = _scanned = 0;
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        if (_chunkLines is not null)
        {
            ChunkPool.Return(_chunkLines);
            _chunkLines = null;
        }
    }
}

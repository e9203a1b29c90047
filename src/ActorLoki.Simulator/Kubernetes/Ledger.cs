using System.Text;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>What became of a line the simulator wrote, as far as the server knows.</summary>
public enum LedgerLineState
{
    /// <summary>Still readable through the API and not served to anyone yet.</summary>
    Unread,

    /// <summary>
    /// Sent in a log response at least once (a client may still have lost it). Served is a high-water mark per
    /// log file: a line skipped by a read that started after it (sinceTime, tailLines) counts as served too.
    /// </summary>
    Served,

    /// <summary>Rotated away by the kubelet before anyone read it: it can never be read.</summary>
    RotatedUnread,

    /// <summary>Deleted with its pod before anyone read it.</summary>
    DeletedUnread,

    /// <summary>Its container instance's log was removed (only the current and the previous instance are kept) before anyone read it.</summary>
    CollectedUnread,
}

/// <summary>One line of the ledger.</summary>
/// <param name="Index">Position in the ledger (the order lines were written in).</param>
/// <param name="Stream">The container instance that wrote it.</param>
/// <param name="Sequence">The sequence number in the line (<c>seq=N</c>), or -1 for a line without one.</param>
/// <param name="Timestamp">The kubelet timestamp, Unix nanoseconds.</param>
/// <param name="Content">The exact bytes of the line, without timestamp and newline (empty when the ledger keeps no bytes).</param>
/// <param name="State">Whether it was served, or lost unread and why.</param>
/// <param name="ContentHash">The <see cref="LineHash"/> of the line's bytes (kept even when the bytes are not).</param>
public readonly record struct LedgerLine(long Index, LedgerStream Stream, long Sequence, long Timestamp, ReadOnlyMemory<byte> Content, LedgerLineState State, ulong ContentHash)
{
    public string Text => Encoding.UTF8.GetString(Content.Span);
}

/// <summary>A container instance as the ledger names it.</summary>
public sealed record LedgerStream(int Id, string Namespace, string Pod, string PodUid, string Container, int Instance);

/// <summary>
/// Every line the simulator ever wrote, in order: its container instance, sequence, kubelet timestamp, exact
/// bytes, and whether it was served or became unreadable (rotated, deleted with its pod, collected) before
/// anyone read it, so a test can tell a line the shipper lost from one nobody could have read. Whether a
/// line was read is decided when asked, from its log file's high-water mark, so writing costs one append.
/// Thread-safe.
/// </summary>
public sealed class Ledger
{
    private const int BlockShift = 16;
    private const int BlockSize = 1 << BlockShift;
    private const int ByteBlockSize = 1 << 20;

    private readonly Lock _gate = new();
    private readonly List<LedgerStream> _streams = [];
    private readonly List<LogFileState> _files = [];
    private readonly List<Entry[]> _blocks = [];
    private readonly List<byte[]> _byteBlocks = [];
    private long _count;
    private int _byteBlockUsed = ByteBlockSize;

    internal Ledger(bool keepLineBytes) => KeepsLineBytes = keepLineBytes;

    /// <summary>False when the ledger keeps metadata only (long benchmarks).</summary>
    public bool KeepsLineBytes { get; }

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public IReadOnlyList<LedgerStream> Streams
    {
        get
        {
            lock (_gate)
            {
                return [.. _streams];
            }
        }
    }

    public LedgerLine this[long index]
    {
        get
        {
            lock (_gate)
            {
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
                return Read(index);
            }
        }
    }

    /// <summary>A snapshot of every line written so far.</summary>
    public IReadOnlyList<LedgerLine> Lines()
    {
        lock (_gate)
        {
            var lines = new LedgerLine[_count];
            for (var i = 0L; i < _count; i++)
            {
                lines[i] = Read(i);
            }

            return lines;
        }
    }

    /// <summary>The lines of one container (every instance) of one pod, in the order written.</summary>
    public IReadOnlyList<LedgerLine> LinesOf(string podUid, string container) =>
        [.. Lines().Where(l => l.Stream.PodUid == podUid && l.Stream.Container == container)];

    /// <summary>How many lines are in each state.</summary>
    public IReadOnlyDictionary<LedgerLineState, long> CountByState() =>
        Lines().GroupBy(l => l.State).ToDictionary(g => g.Key, g => (long)g.Count());

    internal LedgerStream AddStream(string @namespace, string pod, string podUid, string container, int instance)
    {
        lock (_gate)
        {
            var stream = new LedgerStream(_streams.Count, @namespace, pod, podUid, container, instance);
            _streams.Add(stream);
            return stream;
        }
    }

    internal LogFileState AddFile()
    {
        lock (_gate)
        {
            var file = new LogFileState(_files.Count);
            _files.Add(file);
            return file;
        }
    }

    internal void Append(LedgerStream stream, LogFileState file, int lineEnd, long sequence, long timestamp, ReadOnlySpan<byte> content)
    {
        var hash = LineHash.Of(content);
        lock (_gate)
        {
            long contentAt = -1;
            if (KeepsLineBytes)
            {
                if (_byteBlockUsed + content.Length > ByteBlockSize)
                {
                    _byteBlocks.Add(new byte[Math.Max(ByteBlockSize, content.Length)]);
                    _byteBlockUsed = 0;
                }

                content.CopyTo(_byteBlocks[^1].AsSpan(_byteBlockUsed));
                contentAt = ((long)(_byteBlocks.Count - 1) << 32) | (uint)_byteBlockUsed;
                _byteBlockUsed += content.Length;
            }

            var block = (int)(_count >> BlockShift);
            if (block == _blocks.Count)
            {
                _blocks.Add(new Entry[BlockSize]);
            }

            _blocks[block][_count & (BlockSize - 1)] = new Entry(stream.Id, file.Id, lineEnd, sequence, timestamp, contentAt, content.Length, hash);
            _count++;
        }
    }

    private LedgerLine Read(long index)
    {
        var entry = _blocks[(int)(index >> BlockShift)][index & (BlockSize - 1)];
        var content = entry.ContentAt < 0
            ? ReadOnlyMemory<byte>.Empty
            : _byteBlocks[(int)(entry.ContentAt >> 32)].AsMemory((int)(entry.ContentAt & 0xFFFF_FFFF), entry.ContentLength);
        var file = _files[entry.File];
        var state = entry.LineEnd <= file.ServedUpTo
            ? LedgerLineState.Served
            : file.Fate switch
            {
                LogFileFate.Rotated => LedgerLineState.RotatedUnread,
                LogFileFate.PodDeleted => LedgerLineState.DeletedUnread,
                LogFileFate.Collected => LedgerLineState.CollectedUnread,
                _ => LedgerLineState.Unread,
            };
        return new LedgerLine(index, _streams[entry.Stream], entry.Sequence, entry.Timestamp, content, state, entry.Hash);
    }

    private readonly record struct Entry(int Stream, int File, int LineEnd, long Sequence, long Timestamp, long ContentAt, int ContentLength, ulong Hash);
}

/// <summary>Why a log file stopped being readable.</summary>
internal enum LogFileFate
{
    Readable,
    Rotated,
    PodDeleted,
    Collected,
}

/// <summary>The part of a log file that outlives its bytes: how far it was served and what became of it.</summary>
internal sealed class LogFileState(int id)
{
    private int _servedUpTo;

    public int Id { get; } = id;

    public int ServedUpTo => Volatile.Read(ref _servedUpTo);

    public LogFileFate Fate { get; set; }

    public void MarkServed(int offset)
    {
        var current = Volatile.Read(ref _servedUpTo);
        while (offset > current)
        {
            var seen = Interlocked.CompareExchange(ref _servedUpTo, offset, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// The log of one container instance as the kubelet keeps it: an append-only file of lines in the kubelet's
/// output form (<c>2024-05-01T12:34:56.123456789Z content\n</c>), rotated when it passes a size threshold.
/// Only the newest file is readable by new readers; a follower already reading a rotated file finishes it
/// and moves on to the new one (or stalls there, emulating the kubelet bug before 1.29).
/// <para>
/// Writers append under a lock. Bytes below a file's length never change and grown arrays are copies, so a
/// reader takes a snapshot under the lock and copies from it without holding the lock.
/// </para>
/// </summary>
internal sealed class ContainerLog
{
    /// <summary>Bytes of the kubelet's timestamp prefix and the space after it.</summary>
    public const int PrefixLength = 31;

    private readonly Lock _gate = new();
    private readonly Ledger _ledger;
    private readonly LedgerStream _stream;
    private readonly TimeProvider _time;
    private readonly long _rotationBytes;
    private LogFile _current;
    private long _lastTimestamp;
    private bool _ended;
    private LogFileFate _fate = LogFileFate.Readable;

    public ContainerLog(Ledger ledger, LedgerStream stream, TimeProvider time, long rotationBytes)
    {
        _ledger = ledger;
        _stream = stream;
        _time = time;
        _rotationBytes = rotationBytes;
        _current = new LogFile(ledger.AddFile());
    }

    public AsyncSignal Signal { get; } = new();

    public LedgerStream Stream => _stream;

    /// <summary>The file new readers open; null once the log is gone (pod deleted, instance collected).</summary>
    public LogFile? Current
    {
        get
        {
            lock (_gate)
            {
                return _fate == LogFileFate.Readable ? _current : null;
            }
        }
    }

    /// <summary>Total lines appended (all files), for statistics.</summary>
    public long LinesWritten { get; private set; }

    /// <summary>
    /// Appends one line. The timestamp is <paramref name="timestamp"/> when given (it may go backwards, as
    /// stdout and stderr are stamped separately), else the clock, kept strictly increasing.
    /// Returns the timestamp used.
    /// </summary>
    public long Append(ReadOnlySpan<byte> content, long? timestamp, long sequence)
    {
        lock (_gate)
        {
            if (_ended || _fate != LogFileFate.Readable)
            {
                throw new InvalidOperationException($"The container instance {_stream.Pod}/{_stream.Container}#{_stream.Instance} is not running; it cannot write.");
            }

            long stamp;
            if (timestamp is { } given)
            {
                stamp = given;
            }
            else
            {
                var now = (_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
                stamp = now > _lastTimestamp ? now : _lastTimestamp + 1;
            }

            _lastTimestamp = Math.Max(_lastTimestamp, stamp);
            var end = _current.Append(stamp, content);
            _ledger.Append(_stream, _current.State, end, sequence, stamp, content);
            LinesWritten++;
            if (_current.Length >= _rotationBytes)
            {
                RotateLocked();
            }

            Signal.Pulse();
            return stamp;
        }
    }

    /// <summary>Rotates now, whatever the size.</summary>
    public void Rotate()
    {
        lock (_gate)
        {
            if (_fate == LogFileFate.Readable)
            {
                RotateLocked();
            }
        }

        Signal.Pulse();
    }

    /// <summary>The instance ended (restart or termination): follows end once they have read everything.</summary>
    public void End()
    {
        lock (_gate)
        {
            _ended = true;
            _current.End();
        }

        Signal.Pulse();
    }

    /// <summary>The log is removed (pod deleted, or an older instance collected): open follows end now.</summary>
    public void Remove(LogFileFate fate)
    {
        lock (_gate)
        {
            _ended = true;
            _fate = fate;
            _current.State.Fate = fate;
            _current.Remove();
        }

        Signal.Pulse();
    }

    public bool IsRemoved
    {
        get
        {
            lock (_gate)
            {
                return _fate != LogFileFate.Readable;
            }
        }
    }

    public LogSnapshot Snapshot(LogFile file)
    {
        lock (_gate)
        {
            return file.Snapshot();
        }
    }

    private void RotateLocked()
    {
        var old = _current;
        old.State.Fate = LogFileFate.Rotated;
        _current = new LogFile(_ledger.AddFile());
        old.RotateTo(_current);
    }
}

/// <summary>One log file: bytes in the kubelet's output form, the start and timestamp of each line.</summary>
internal sealed class LogFile(LogFileState state)
{
    private byte[] _data = new byte[4096];
    private int[] _starts = new int[64];
    private long[] _timestamps = new long[64];
    private int _count;
    private LogFile? _next;
    private bool _ended;
    private bool _removed;

    public LogFileState State { get; } = state;

    public int Length { get; private set; }

    public int Count => _count;

    /// <summary>Appends a line; returns the offset just past its newline.</summary>
    public int Append(long timestamp, ReadOnlySpan<byte> content)
    {
        var needed = Length + ContainerLog.PrefixLength + content.Length + 1;
        if (needed > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(needed, _data.Length * 2));
        }

        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _timestamps, _count * 2);
        }

        _starts[_count] = Length;
        _timestamps[_count] = timestamp;
        _count++;
        var span = _data.AsSpan(Length);
        KubeletTime.Format(timestamp, span);
        span[ContainerLog.PrefixLength - 1] = (byte)' ';
        content.CopyTo(span[ContainerLog.PrefixLength..]);
        span[ContainerLog.PrefixLength + content.Length] = (byte)'\n';
        Length = needed;
        return needed;
    }

    public void RotateTo(LogFile next) => _next = next;

    public void End() => _ended = true;

    public void Remove()
    {
        _removed = true;
        _data = [];
    }

    public LogSnapshot Snapshot() => _removed
        ? new LogSnapshot([], 0, [], [], 0, null, true, true)
        : new LogSnapshot(_data, Length, _starts, _timestamps, _count, _next, _ended, false);
}

/// <summary>A consistent view of a log file at one moment; its arrays are never modified below its counts.</summary>
internal readonly record struct LogSnapshot(byte[] Data, int Length, int[] Starts, long[] Timestamps, int Count, LogFile? Next, bool Ended, bool Removed)
{
    public int LineEnd(int index) => index + 1 < Count ? Starts[index + 1] : Length;
}

using System.Net;
using System.Runtime.CompilerServices;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Loki;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using Akka.Actor;

namespace ActorLoki.Shipper.Tailing;

/// <summary>Reading (following the newest instance, or draining an older one to its end): a stream is opened and read with the batcher's credit; a tail without credit waits for it; silence and age reopen the stream.</summary>
public sealed partial class ContainerTail
{
    /// <summary>A stream is being opened or read.</summary>
    private void Reading()
    {
        Receive<Opened>(OnOpened);
        Receive<OpenFailed>(OnOpenFailed);
        Receive<OpenTimedOut>(timedOut => timedOut.Generation == _generation && _reader is null, _ =>
        {
            LogOpenTimedOut(Log, _id.Namespace, _id.Pod, _id.Container, _ctx.OpenTimeout);
            Reconnect("open_timeout", immediately: false);
        });
        Receive<ChunkRead>(OnChunkRead);
        Receive<ReadFailed>(OnReadFailed);
        Receive<Batcher.Credit>(credit =>
        {
            if (_credit <= 0 && _credit + credit.Bytes > 0)
            {
                // Not reading for want of credit is not silence.
                _silence.LastDataAt = _time.GetUtcNow();
            }

            _credit += credit.Bytes;
            ReadNext();
        });
        Receive<CheckSilence>(_ => OnCheckSilence());
        Receive<Reopen>(reopen => Reconnect(reopen.Reason, immediately: true));
        CommonHandlers();
    }

    private void Open()
    {
        CloseReader();
        if (_podDeleted)
        {
            // Logs are opened by pod name: after the pod was deleted, a reopen could read a new pod of the
            // same name (a StatefulSet's). The stream it had is finished; nothing else is opened.
            Context.Stop(Self);
            return;
        }

        var view = ContainerInstances.Of(Status(_pod));
        if (view.Read(_containerId, _instance) is not { } request)
        {
            // No request reads this instance any more (several restarts happened since we looked). If it
            // was still running when last read, its end may be lost.
            if (_mode == ReadMode.Follow && _silence.LastDataAt != default)
            {
                CountUnseen(1);
            }

            FinishInstance();
            return;
        }

        _mode = request.Follow ? ReadMode.Follow : ReadMode.Drain;
        _openedAt = _position;
        _cursor = new StreamCursor(_position);
        _skipRemaining = _position.Skip;
        _silence.NewLinesSinceOpen = false;
        var generation = _generation;
        var options = new LogOptions
        {
            Container = _id.Container,
            Follow = request.Follow,
            Timestamps = true,
            SinceTime = _position.SinceTime,
            Previous = request.Previous,
        };
        var from = _position.IsFromStart ? "its start" : $"second {_position.SinceSecond}";
        LogOpen(Log, _id.Namespace, _id.Pod, _id.Container, _instance, options.Follow, options.Previous, from, _position.Skip);
        _streamCancel = CancellationTokenSource.CreateLinkedTokenSource(LifetimeToken);
        _ctx.Client.OpenLogStreamAsync(_id.Namespace, _id.Pod, options, _streamCancel.Token)
            .PipeTo(Self, success: reader => new Opened(generation, reader), failure: e => new OpenFailed(generation, e));
        Timers.StartSingleTimer(OpenTimer, new OpenTimedOut(generation), _ctx.OpenTimeout);
        Become(Reading);
    }

    private void OnOpened(Opened opened)
    {
        if (opened.Generation != _generation)
        {
            opened.Reader.Dispose();
            return;
        }

        Timers.Cancel(OpenTimer);
        _reader = opened.Reader;
        _reported = default;
        _silence.LastDataAt = _time.GetUtcNow();
        if (_mode == ReadMode.Follow)
        {
            Timers.StartSingleTimer(MaxAgeTimer, new Reopen("max_age"), _ctx.Settings.MaxStreamAge);
        }

        Timers.StartPeriodicTimer(SilenceTimer, CheckSilence.Instance, SilenceCheckInterval);
        ReadNext();
    }

    private TimeSpan SilenceCheckInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _ctx.Settings.SilenceFloor.Ticks / 4));

    private void ReadNext()
    {
        if (_reader is not { } reader || _readPending || _credit <= 0)
        {
            return;
        }

        _readPending = true;
        var generation = _generation;
        reader.ReadChunkAsync(_streamCancel!.Token)
            .PipeTo(Self, success: chunk => new ChunkRead(generation, reader, chunk), failure: e => new ReadFailed(generation, reader, e));
    }

    private void OnChunkRead(ChunkRead read)
    {
        if (read.Generation != _generation)
        {
            Discard(read.Reader, read.Chunk);
            return;
        }

        _readPending = false;
        if (read.Chunk is null)
        {
            OnStreamEnded();
            return;
        }

        var chunk = read.Chunk;
        _silence.LastDataAt = _time.GetUtcNow();
        _failures = 0;
        ReportReaderStatistics();

        var lines = chunk.Lines;
        if (lines.Length > 0 && (lines[^1].Flags & LogLineFlags.Unterminated) != 0 && _mode == ReadMode.Follow)
        {
            // A follow stream cut in the middle of its last line: that piece is neither sent nor counted, so
            // the reopen (from the position before it) reads the whole line. A drain's end is final: its
            // last line is kept, newline or not.
            lines = lines[..^1];
        }

        var firstToSend = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            ref readonly var line = ref lines[i];
            _cursor!.Observe(line.Timestamp);
            if (_skipRemaining == 0)
            {
                continue;
            }

            // Lines acknowledged before the stream was (re)opened: skipped once the last of them is checked.
            if (--_skipRemaining > 0)
            {
                continue;
            }

            if (!_openedAt.HasCheck
                || (line.Timestamp == _openedAt.LastTimestamp && StreamCursor.Fnv1a(chunk.GetContent(line)) == _openedAt.LastLineHash))
            {
                ReleaseHeld();
                firstToSend = i + 1;
            }
            else
            {
                OnPositionMismatch();
            }
        }

        if (lines.Length > 0)
        {
            _cursor!.ObserveLastLine(chunk.GetContent(lines[^1]));
        }

        if (_skipRemaining > 0)
        {
            // Still skipping: hold the chunk until the check says whether its lines were really acknowledged.
            _held.Add((chunk, lines.Length, _cursor!.Position));
            ReadNext();
            return;
        }

        _position = _cursor!.Position;
        Send(chunk, firstToSend, lines.Length, _position);
        ReadNext();
    }

    /// <summary>Hands lines [<paramref name="from"/>, <paramref name="to"/>) of a chunk to the batcher, which owns the chunk from now on.</summary>
    private void Send(LogChunk chunk, int from, int to, StreamPosition positionAfter)
    {
        var lines = chunk.Lines;
        var entries = new LogEntry[to - from];
        long newest = 0;
        for (var i = from; i < to; i++)
        {
            ref readonly var line = ref lines[i];
            entries[i - from] = new LogEntry(line.Timestamp, chunk.GetContentMemory(line), _labels.Metadata);
            newest = Math.Max(newest, line.Timestamp);
        }

        // The budget counts what the lines really hold until Loki has them: the chunk's pooled arrays at their
        // full size, and each line's entry twice (in this message and in the batcher's pending stream).
        var memory = chunk.MemoryBytes + ((long)entries.Length * 2 * Unsafe.SizeOf<LogEntry>());
        _credit -= memory;
        _ctx.Batcher.Tell(new Batcher.Append(_stream!, entries, entries.Length, memory, positionAfter, newest, chunk), Self);
        if (entries.Length > 0)
        {
            // New lines: the stream is alive, and they tell how often this container usually writes.
            var now = _time.GetUtcNow();
            if (_silence.LastNewLinesAt != default)
            {
                var gap = (now - _silence.LastNewLinesAt).TotalSeconds;
                _silence.TypicalGapSeconds = _silence.TypicalGapSeconds == 0 ? gap : (0.8 * _silence.TypicalGapSeconds) + (0.2 * gap);
            }

            _silence.LastNewLinesAt = now;
            _newestTimestamp = Math.Max(_newestTimestamp, newest);
            _silence.QuietReopens = 0;
            _silence.NewLinesSinceOpen = true;
        }
    }

    /// <summary>The check passed: the held lines were acknowledged before; they are dropped.</summary>
    private void ReleaseHeld()
    {
        foreach (var (chunk, _, _) in _held)
        {
            chunk.Dispose();
        }

        _held.Clear();
    }

    /// <summary>
    /// The saved position does not match the log (lines were rotated away, or it is not the instance the
    /// position was taken from), so the lines skipped so far are not known to be in Loki: they are sent
    /// after all, with their original timestamps (Loki drops the ones it has), and reading goes on without
    /// skipping. Nothing is lost, and the stream is not reopened.
    /// </summary>
    private void OnPositionMismatch()
    {
        _ctx.Metrics.PositionMismatches.Add(1);
        LogPositionMismatch(Log, _id.Namespace, _id.Pod, _id.Container, _instance);
        _skipRemaining = 0;
        foreach (var (chunk, count, position) in _held)
        {
            Send(chunk, 0, count, position);
        }

        _held.Clear();

        // Every line observed so far is now sent (or is in the chunk being read, which moves it on again).
        _position = _cursor!.Position;
    }

    private void OnReadFailed(ReadFailed failed)
    {
        if (failed.Generation != _generation)
        {
            Discard(failed.Reader, null);
            return;
        }

        _readPending = false;
        if (failed.Error is OperationCanceledException && LifetimeToken.IsCancellationRequested)
        {
            return;
        }

        LogStreamFailed(Log, failed.Error, _id.Namespace, _id.Pod, _id.Container, Describe(failed.Error));
        Reconnect("error", immediately: false);
    }

    private void OnOpenFailed(OpenFailed failed)
    {
        if (failed.Generation != _generation)
        {
            return;
        }

        Timers.Cancel(OpenTimer);
        switch (failed.Error)
        {
            case KubernetesApiException { StatusCode: HttpStatusCode.NotFound }:
                // The pod is gone, and its logs with it.
                LogPodGone(Log, _id.Namespace, _id.Pod, _id.Container);
                Context.Stop(Self);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e when _mode == ReadMode.Drain:
                // The runtime no longer has this instance (a restart in between): what was left is lost.
                LogOpenRefused(Log, _id.Namespace, _id.Pod, _id.Container, e.Message);
                CountUnseen(1);
                FinishInstance();
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e:
                // Usually "container is waiting to start": try again when the pod changes or after back-off.
                LogOpenRefused(Log, _id.Namespace, _id.Pod, _id.Container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.Forbidden } e:
                LogForbidden(Log, _id.Namespace, _id.Pod, _id.Container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case OperationCanceledException when LifetimeToken.IsCancellationRequested:
                return;
            default:
                LogStreamFailed(Log, failed.Error, _id.Namespace, _id.Pod, _id.Container, Describe(failed.Error));
                Reconnect("error", immediately: false);
                return;
        }
    }

    private void OnCheckSilence()
    {
        if (_reader is null || _credit <= 0)
        {
            return;
        }

        var silentFor = _time.GetUtcNow() - _silence.LastDataAt;
        if (silentFor <= SilenceLimit())
        {
            return;
        }

        if (_skipRemaining > 0)
        {
            // Acknowledged lines come first, at once, when a stream is opened: if they have not all come,
            // the log no longer has them (rotated), and what was held must be sent after all.
            OnPositionMismatch();
        }

        // Before Kubernetes 1.29 a follow stream stops delivering after the kubelet rotates the file; a
        // drain that stalls is read again from where it stopped.
        if (_mode == ReadMode.Follow)
        {
            _silence.QuietReopens++;
        }

        Reconnect("silent", immediately: true);
    }

    /// <summary>
    /// How long the stream may stay silent before it is taken for stalled: <c>silence-factor</c> times the
    /// container's usual gap between lines, at least <c>silence-floor</c>, doubled after each reopen that
    /// brought nothing new (a container that went quiet is not reopened every few seconds for ever), and
    /// never beyond <c>max-stream-age</c>, which reopens every stream anyway.
    /// </summary>
    private TimeSpan SilenceLimit()
    {
        var settings = _ctx.Settings;
        var seconds = Math.Max(settings.SilenceFloor.TotalSeconds, settings.SilenceFactor * _silence.TypicalGapSeconds) * Math.Pow(2, Math.Min(_silence.QuietReopens, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, settings.MaxStreamAge.TotalSeconds));
    }
}

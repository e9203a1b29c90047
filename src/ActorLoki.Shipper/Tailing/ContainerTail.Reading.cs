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
        Receive<OpenTimedOut>(timedOut => _open is { Reader: null } open && open.Generation == timedOut.Generation, _ =>
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

        var read = _read!;
        var view = ContainerInstances.Of(Status(_pod));
        if (view.Read(read.ContainerId, read.Number) is not { } request)
        {
            // No request reads this instance any more (several restarts happened since we looked). If it
            // was still running when last read, its end may be lost.
            if (read.Mode == ReadMode.Follow && _silence.LastDataAt != default)
            {
                CountUnseen(1);
            }

            FinishInstance();
            return;
        }

        read.Mode = request.Follow ? ReadMode.Follow : ReadMode.Drain;
        var position = read.Position;
        var open = new OpenStream(position, CancellationTokenSource.CreateLinkedTokenSource(LifetimeToken));
        _open = open;
        _silence.NewLinesSinceOpen = false;
        var generation = open.Generation;
        var options = new LogOptions
        {
            Container = _id.Container,
            Follow = request.Follow,
            Timestamps = true,
            SinceTime = position.SinceTime,
            Previous = request.Previous,
        };
        var from = position.IsFromStart ? "its start" : $"second {position.SinceSecond}";
        LogOpen(Log, _id.Namespace, _id.Pod, _id.Container, read.Number, options.Follow, options.Previous, from, position.Skip);
        _ctx.Client.OpenLogStreamAsync(_id.Namespace, _id.Pod, options, open.Cancel.Token)
            .PipeTo(Self, success: reader => new Opened(generation, reader), failure: e => new OpenFailed(generation, e));
        Timers.StartSingleTimer(OpenTimer, new OpenTimedOut(generation), _ctx.OpenTimeout);
        Become(Reading);
    }

    private void OnOpened(Opened opened)
    {
        if (_open is not { } open || opened.Generation != open.Generation)
        {
            opened.Reader.Dispose();
            return;
        }

        Timers.Cancel(OpenTimer);
        open.Reader = opened.Reader;
        _silence.LastDataAt = _time.GetUtcNow();
        if (_read!.Mode == ReadMode.Follow)
        {
            Timers.StartSingleTimer(MaxAgeTimer, new Reopen("max_age"), _ctx.Settings.MaxStreamAge);
        }

        Timers.StartPeriodicTimer(SilenceTimer, CheckSilence.Instance, SilenceCheckInterval);
        ReadNext();
    }

    private TimeSpan SilenceCheckInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _ctx.Settings.SilenceFloor.Ticks / 4));

    private void ReadNext()
    {
        if (_open is not { Reader: { } reader } open || open.ReadPending || _credit <= 0)
        {
            return;
        }

        open.ReadPending = true;
        var generation = open.Generation;
        reader.ReadChunkAsync(open.Cancel.Token)
            .PipeTo(Self, success: chunk => new ChunkRead(generation, reader, chunk), failure: e => new ReadFailed(generation, reader, e));
    }

    private void OnChunkRead(ChunkRead read)
    {
        if (_open is not { } open || read.Generation != open.Generation)
        {
            Discard(read.Reader, read.Chunk);
            return;
        }

        open.ReadPending = false;
        if (read.Chunk is null)
        {
            OnStreamEnded();
            return;
        }

        var chunk = read.Chunk;
        _silence.LastDataAt = _time.GetUtcNow();
        _counters.Failures = 0;
        ReportReaderStatistics(open);

        var instance = _read!;
        var cursor = open.Cursor;
        var openedAt = open.OpenedAt;
        var lines = chunk.Lines;
        if (lines.Length > 0 && (lines[^1].Flags & LogLineFlags.Unterminated) != 0 && instance.Mode == ReadMode.Follow)
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
            cursor.Observe(line.Timestamp);
            if (open.SkipRemaining == 0)
            {
                continue;
            }

            // Lines acknowledged before the stream was (re)opened: skipped once the last of them is checked.
            if (--open.SkipRemaining > 0)
            {
                continue;
            }

            if (!openedAt.HasCheck
                || (line.Timestamp == openedAt.LastTimestamp && StreamCursor.Fnv1a(chunk.GetContent(line)) == openedAt.LastLineHash))
            {
                open.ReleaseHeld();
                firstToSend = i + 1;
            }
            else
            {
                OnPositionMismatch(open);
            }
        }

        if (lines.Length > 0)
        {
            cursor.ObserveLastLine(chunk.GetContent(lines[^1]));
        }

        if (open.SkipRemaining > 0)
        {
            // Still skipping: hold the chunk until the check says whether its lines were really acknowledged.
            open.Held.Add((chunk, lines.Length, cursor.Position));
            ReadNext();
            return;
        }

        instance.Position = cursor.Position;
        Send(chunk, firstToSend, lines.Length, instance.Position);
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
        _ctx.Batcher.Tell(new Batcher.Append(_read!.Stream, entries, entries.Length, memory, positionAfter, newest, chunk), Self);
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
            _counters.NewestTimestamp = Math.Max(_counters.NewestTimestamp, newest);
            _silence.QuietReopens = 0;
            _silence.NewLinesSinceOpen = true;
        }
    }

    /// <summary>
    /// The saved position does not match the log (lines were rotated away, or it is not the instance the
    /// position was taken from), so the lines skipped so far are not known to be in Loki: they are sent
    /// after all, with their original timestamps (Loki drops the ones it has), and reading goes on without
    /// skipping. Nothing is lost, and the stream is not reopened.
    /// </summary>
    private void OnPositionMismatch(OpenStream open)
    {
        var read = _read!;
        _ctx.Metrics.PositionMismatches.Add(1);
        LogPositionMismatch(Log, _id.Namespace, _id.Pod, _id.Container, read.Number);
        open.SkipRemaining = 0;
        foreach (var (chunk, count, position) in open.Held)
        {
            Send(chunk, 0, count, position);
        }

        open.Held.Clear();

        // Every line observed so far is now sent (or is in the chunk being read, which moves it on again).
        read.Position = open.Cursor.Position;
    }

    private void OnReadFailed(ReadFailed failed)
    {
        if (_open is not { } open || failed.Generation != open.Generation)
        {
            Discard(failed.Reader, null);
            return;
        }

        open.ReadPending = false;
        if (failed.Error is OperationCanceledException && LifetimeToken.IsCancellationRequested)
        {
            return;
        }

        LogStreamFailed(Log, failed.Error, _id.Namespace, _id.Pod, _id.Container, Describe(failed.Error));
        Reconnect("error", immediately: false);
    }

    private void OnOpenFailed(OpenFailed failed)
    {
        if (_open is not { } open || failed.Generation != open.Generation)
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
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e when _read!.Mode == ReadMode.Drain:
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
        if (_open is not { Reader: not null } open || _credit <= 0)
        {
            return;
        }

        var silentFor = _time.GetUtcNow() - _silence.LastDataAt;
        if (silentFor <= SilenceLimit())
        {
            return;
        }

        if (open.SkipRemaining > 0)
        {
            // Acknowledged lines come first, at once, when a stream is opened: if they have not all come,
            // the log no longer has them (rotated), and what was held must be sent after all.
            OnPositionMismatch(open);
        }

        // Before Kubernetes 1.29 a follow stream stops delivering after the kubelet rotates the file; a
        // drain that stalls is read again from where it stopped.
        if (_read!.Mode == ReadMode.Follow)
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

    /// <summary>
    /// One stream opened on the instance being read, from <see cref="Open"/> until <see cref="CloseReader"/>:
    /// its generation (results of other streams do not match it), its reader once the response started, the
    /// read under way, and the check of the acknowledged lines it skips.
    /// </summary>
    private sealed class OpenStream(StreamPosition openedAt, CancellationTokenSource cancel)
    {
        /// <summary>
        /// Unique in the process, not per actor: results piped by an earlier incarnation (before a restart)
        /// can never pass for the current stream's.
        /// </summary>
        public int Generation { get; } = Interlocked.Increment(ref s_generations);

        /// <summary>The read position it was opened at: what it skips, and the line that checks it.</summary>
        public StreamPosition OpenedAt { get; } = openedAt;

        public StreamCursor Cursor { get; } = new(openedAt);

        /// <summary>Acknowledged lines still to skip before the check.</summary>
        public long SkipRemaining { get; set; } = openedAt.Skip;

        /// <summary>
        /// Chunks read while skipping acknowledged lines, with the position after each, until the last skipped
        /// line is checked. Bounded: the skip covers only the last few seconds before the position.
        /// </summary>
        public List<(LogChunk Chunk, int Lines, StreamPosition After)> Held { get; } = [];

        /// <summary>Cancels the open and any read of this stream; linked to the actor's lifetime.</summary>
        public CancellationTokenSource Cancel { get; } = cancel;

        /// <summary>Null until the response started.</summary>
        public LogStreamReader? Reader { get; set; }

        public bool ReadPending { get; set; }

        /// <summary>The reader's statistics last added to the metrics.</summary>
        public LogStreamStatistics Reported { get; set; }

        /// <summary>The check passed (or the stream closed before it): the held lines are dropped.</summary>
        public void ReleaseHeld()
        {
            foreach (var (chunk, _, _) in Held)
            {
                chunk.Dispose();
            }

            Held.Clear();
        }
    }
}

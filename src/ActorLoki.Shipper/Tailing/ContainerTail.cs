using System.Net;
using System.Runtime.CompilerServices;
using ActorLoki.Actors;
using ActorLoki.Kubernetes;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Loki;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Tailing;

/// <summary>
/// Follows one container's log through the Kubernetes API and hands its lines, chunk by chunk, to the
/// batcher. It reads one instance of the container at a time: it resumes from the saved position, drains
/// the end of an instance that restarted (<c>previous=true</c>) before following the new one from its
/// start, counts instances that came and went unseen, and reopens its stream when it fails, falls
/// silent, or gets old. It reads only with credit from the batcher, so a slow Loki pauses it.
/// </summary>
/// <remarks>
/// Two positions matter. The batcher reports the <em>acknowledged</em> one to the keeper; the tail keeps the
/// <em>read</em> one (<see cref="_position"/>, after the last line it appended) and always reopens from it,
/// so lines in flight are neither lost nor sent twice when a stream is reopened.
/// </remarks>
public sealed partial class ContainerTail : ReceiveActor, IWithTimers
{
    private const string ReopenTimer = "reopen";
    private const string SilenceTimer = "silence";
    private const string MaxAgeTimer = "max-age";
    private const string GraceTimer = "grace";

    private readonly TailContext _ctx;
    private readonly string _namespace;
    private readonly string _podName;
    private readonly string _podUid;
    private readonly string _container;
    private readonly TimeProvider _time;

    private Pod _pod;
    private StreamLabels _labels;
    private StreamInfo _stream = null!;
    private int _instance;
    private ReadMode _mode;
    private StreamPosition _position = StreamPosition.Start;
    private StreamCursor? _cursor;
    private long _skipRemaining;
    private StreamPosition _openedAt;
    private LogStreamReader? _reader;
    private int _generation;
    private bool _readPending;
    private long _credit;
    private int _failures;
    private DateTimeOffset _lastDataAt;
    private double _typicalGapSeconds;
    private bool _podDeleted;
    private bool _instanceComplete;
    private DateTimeOffset _lastNewLinesAt;
    private int _quietReopens;
    private int _reopens;
    private LogStreamStatistics _reported;

    // Chunks read while skipping acknowledged lines, with the position after each, until the last skipped
    // line is checked. Bounded: the skip covers only the last few seconds before the position.
    private readonly List<(LogChunk Chunk, int Lines, StreamPosition After)> _held = [];

    // The instance to follow once the drain of an older one is done (set when starting from a saved
    // position of an older instance, or from a never-seen previous one).
    private int? _pendingInstance;

    public ContainerTail(TailContext context, Pod pod, string container, StreamLabels labels)
    {
        _ctx = context;
        _pod = pod;
        _labels = labels;
        _namespace = pod.Metadata?.Namespace ?? string.Empty;
        _podName = pod.Metadata?.Name ?? string.Empty;
        _podUid = pod.Metadata?.Uid ?? string.Empty;
        _container = container;
        _time = Context.System.Settings.TimeProvider;
        _credit = context.InitialCredit;
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TailContext context, Pod pod, string container, StreamLabels labels) =>
        Actors.Props.Create(() => new ContainerTail(context, pod, container, labels));

    /// <summary>The pod changed (status, labels): the tail takes the new state into account.</summary>
    public sealed record PodUpdated(Pod Pod, StreamLabels Labels);

    /// <summary>The pod was deleted: read what is still readable for <c>deleted-pod-grace</c>, then stop.</summary>
    public sealed record PodDeleted
    {
        public static readonly PodDeleted Instance = new();
    }

    /// <summary>Asks what the tail is doing; answered with <see cref="TailStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>One tail, for the <c>/debug/streams</c> endpoint.</summary>
    public sealed record TailStatus(string Namespace, string Pod, string Container, int Instance, string State, string Mode, StreamPosition Position, DateTimeOffset? LastLineAt, long Credit, int Reopens);

    private enum ReadMode
    {
        /// <summary>Following the running instance.</summary>
        Follow,

        /// <summary>Reading what is left of an ended instance (previous=true when it restarted), then stopping.</summary>
        Drain,
    }

    private sealed record Begin(int Instance, SavedPosition? Saved);

    private sealed record Opened(int Generation, LogStreamReader Reader);

    private sealed record OpenFailed(int Generation, Exception Error);

    private sealed record ChunkRead(int Generation, LogChunk? Chunk);

    private sealed record ReadFailed(int Generation, Exception Error);

    private sealed record PodFetched(Pod? Pod, Exception? Error);

    private sealed record Reopen(string Reason)
    {
        public static readonly Reopen AfterError = new("error");
    }

    private sealed record CheckSilence
    {
        public static readonly CheckSilence Instance = new();
    }

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }

    private sealed record NewestOf(int Instance);

    protected override void PreStart()
    {
        _ctx.Metrics.ActiveTails.Add(1, ShipperMetrics.Namespace(_namespace));
        var status = Status(_pod);
        var instance = status?.RestartCount ?? 0;
        _ctx.Positions.Ask<PositionsKeeper.Current>(new PositionsKeeper.Get(new StreamKey(_podUid, _container, instance)), null, Context.LifetimeToken)
            .PipeTo(Self, success: current => new Begin(instance, current.Position), failure: _ => new Begin(instance, null));
    }

    protected override void PostStop()
    {
        _ctx.Metrics.ActiveTails.Add(-1, ShipperMetrics.Namespace(_namespace));
        CloseReader();
    }

    // ---- behaviours ------------------------------------------------------------------------------------

    /// <summary>Waiting for the saved position before the first open.</summary>
    private void Starting()
    {
        Receive<Begin>(OnBegin);
        CommonHandlers();
    }

    /// <summary>A stream is being opened or read.</summary>
    private void Reading()
    {
        Receive<Opened>(OnOpened);
        Receive<OpenFailed>(OnOpenFailed);
        Receive<ChunkRead>(OnChunkRead);
        Receive<ReadFailed>(OnReadFailed);
        Receive<Batcher.Credit>(credit =>
        {
            if (_credit <= 0 && _credit + credit.Bytes > 0)
            {
                // Not reading for want of credit is not silence.
                _lastDataAt = _time.GetUtcNow();
            }

            _credit += credit.Bytes;
            ReadNext();
        });
        Receive<CheckSilence>(_ => OnCheckSilence());
        Receive<Reopen>(reopen => Reconnect(reopen.Reason, immediately: true));
        CommonHandlers();
    }

    /// <summary>The stream ended; the pod is being looked at to learn why.</summary>
    private void Deciding()
    {
        Receive<PodFetched>(OnPodFetched);
        CommonHandlers();
    }

    /// <summary>Waiting before reopening a stream that failed.</summary>
    private void BackingOff()
    {
        Receive<Reopen>(_ => Open());
        Receive<PodUpdated>(updated =>
        {
            var wasRunning = IsRunningOrEnded(Status(_pod));
            OnPodUpdated(updated);
            if (!wasRunning && IsRunningOrEnded(Status(_pod)))
            {
                // The container we were waiting for has started: no need to wait out the back-off.
                Timers.Cancel(ReopenTimer);
                Open();
            }
        });
        CommonHandlers();
    }

    /// <summary>The instance ended and was read to its end; waiting for the container to start again.</summary>
    private void Idle()
    {
        Receive<NewestOf>(newest => AdvanceTo(newest.Instance));
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        Receive<Batcher.Credit>(credit => _credit += credit.Bytes);
        Receive<PodUpdated>(OnPodUpdated);
        Receive<PodDeleted>(_ =>
        {
            _podDeleted = true;
            if (_instanceComplete)
            {
                Context.Stop(Self);
                return;
            }

            Timers.StartSingleTimer(GraceTimer, GraceOver.Instance, _ctx.Settings.DeletedPodGrace);
        });
        Receive<GraceOver>(_ => Context.Stop(Self));
        Receive<GetStatus>(_ => Sender.Tell(new TailStatus(_namespace, _podName, _container, _instance, CurrentState, _mode.ToString(), _position, _lastNewLinesAt == default ? null : _lastNewLinesAt, _credit, _reopens)));
        ReceiveAny(_ => { }); // stale results of streams already replaced (older generations) end here
    }

    private string CurrentState => _reader is not null ? "reading" : _instanceComplete ? "idle" : "waiting";

    // ---- starting an instance ------------------------------------------------------------------------

    private void OnBegin(Begin begin)
    {
        var status = Status(_pod);
        var saved = begin.Saved;
        if (saved is not null && saved.Key.Instance == begin.Instance)
        {
            // Resuming the instance we were reading before a restart of the shipper.
            StartReading(begin.Instance, ReadMode.Follow, saved.Position);
            return;
        }

        if (saved is not null && saved.Key.Instance < begin.Instance)
        {
            // The shipper stopped while instance saved.Instance was being read; it has since ended.
            CountUnseen(begin.Instance - 1 - saved.Key.Instance);
            if (saved.Key.Instance == begin.Instance - 1)
            {
                _pendingInstance = begin.Instance;
                StartReading(saved.Key.Instance, ReadMode.Drain, saved.Position);
                return;
            }

            StartPreviousFromStart(begin.Instance, status);
            return;
        }

        // Never read before: a new container, or a new shipper. The previous instance is still readable
        // (older ones are not, but they ended before ActorLoki knew the container, so they are not counted).
        if (begin.Instance > 0 && status?.LastState?.Terminated is not null)
        {
            StartPreviousFromStart(begin.Instance, status);
            return;
        }

        StartReading(begin.Instance, ReadMode.Follow, FirstPosition(status?.State?.Running?.StartedAt ?? status?.State?.Terminated?.StartedAt));
    }

    /// <summary>Reads the previous instance (never seen) from its start, then <paramref name="current"/>.</summary>
    private void StartPreviousFromStart(int current, ContainerStatus? status)
    {
        _pendingInstance = current;
        StartReading(current - 1, ReadMode.Drain, FirstPosition(status?.LastState?.Terminated?.StartedAt));
    }

    /// <summary>
    /// Goes on to <paramref name="newest"/> once instance <see cref="_instance"/> has been read to its end:
    /// the next instance is followed from its start; when several restarts happened in between, the
    /// previous one (the only one the kubelet still has) is read first and the others are counted.
    /// </summary>
    private void AdvanceTo(int newest)
    {
        _instanceComplete = false;
        var status = Status(_pod);
        if (newest > _instance + 1)
        {
            CountUnseen(newest - _instance - 2);
            StartPreviousFromStart(newest, status);
            return;
        }

        StartReading(newest, ReadMode.Follow, FirstPosition(status?.State?.Running?.StartedAt ?? status?.State?.Terminated?.StartedAt));
    }

    /// <summary>
    /// Where to read a container never read before: its start, but never further back than
    /// <c>tail.max-lookback</c> (Loki would refuse lines that old anyway, and a first start must not
    /// flood it with history).
    /// </summary>
    private StreamPosition FirstPosition(DateTimeOffset? startedAt)
    {
        var earliest = _time.GetUtcNow() - _ctx.Settings.MaxLookback;
        return startedAt is null || startedAt < earliest ? StreamPosition.Since(earliest.ToUnixTimeSeconds()) : StreamPosition.Start;
    }

    private void StartReading(int instance, ReadMode mode, StreamPosition position)
    {
        _instance = instance;
        _mode = mode;
        _position = position;
        _stream = new StreamInfo(new StreamKey(_podUid, _container, instance), _namespace, _podName, _container, _labels.Labels, _labels.Metadata);
        Open();
    }

    // ---- opening and reading -----------------------------------------------------------------------

    private void Open()
    {
        CloseReader();
        if (_mode == ReadMode.Follow && _instance < CurrentRestartCount())
        {
            // The instance ended while we were away (a crash loop): what is left of it is `previous`.
            _mode = ReadMode.Drain;
        }

        _openedAt = _position;
        _cursor = new StreamCursor(_position);
        _skipRemaining = _position.Skip;
        var generation = _generation;
        var options = new LogOptions
        {
            Container = _container,
            Follow = _mode == ReadMode.Follow,
            Timestamps = true,
            SinceTime = _position.SinceTime,
            Previous = _mode == ReadMode.Drain && _instance < CurrentRestartCount(),
        };
        var restartCount = CurrentRestartCount();
        if (_mode == ReadMode.Drain && _instance < restartCount - 1)
        {
            // `previous` now names a newer instance: ours is no longer readable. Its follow stream ended with
            // the instance, so it was read to its end; the drain was only a check. Go on to the newer ones.
            FinishDrain();
            return;
        }

        LogOpen(Context.Log, _namespace, _podName, _container, _instance, options.Follow, options.Previous, _position.SinceSecond, _position.Skip, restartCount);
        _ctx.Client.OpenLogStreamAsync(_namespace, _podName, options, Context.LifetimeToken)
            .PipeTo(Self, success: reader => new Opened(generation, reader), failure: e => new OpenFailed(generation, e));
        Become(Reading);
    }

    private void OnOpened(Opened opened)
    {
        if (opened.Generation != _generation)
        {
            opened.Reader.Dispose();
            return;
        }

        _reader = opened.Reader;
        _reported = default;
        _lastDataAt = _time.GetUtcNow();
        if (_mode == ReadMode.Follow)
        {
            Timers.StartSingleTimer(MaxAgeTimer, new Reopen("max_age"), _ctx.Settings.MaxStreamAge);
            Timers.StartPeriodicTimer(SilenceTimer, CheckSilence.Instance, SilenceCheckInterval);
        }

        ReadNext();
    }

    private TimeSpan SilenceCheckInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _ctx.Settings.SilenceFloor.Ticks / 4));

    private void ReadNext()
    {
        if (_reader is null || _readPending || _credit <= 0)
        {
            return;
        }

        _readPending = true;
        var generation = _generation;
        _reader.ReadChunkAsync(Context.LifetimeToken)
            .PipeTo(Self, success: chunk => new ChunkRead(generation, chunk), failure: e => new ReadFailed(generation, e));
    }

    private void OnChunkRead(ChunkRead read)
    {
        if (read.Generation != _generation)
        {
            read.Chunk?.Dispose();
            return;
        }

        _readPending = false;
        if (read.Chunk is null)
        {
            OnStreamEnded();
            return;
        }

        var chunk = read.Chunk;
        _lastDataAt = _time.GetUtcNow();
        _failures = 0;
        ReportReaderStatistics();

        var lines = chunk.Lines;
        if (lines.Length > 0 && (lines[^1].Flags & LogLineFlags.Unterminated) != 0)
        {
            // The stream was cut in the middle of its last line: that piece is neither sent nor counted, so
            // the reopen (from the position before it) reads the whole line.
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
        _ctx.Batcher.Tell(new Batcher.Append(_stream, entries, entries.Length, memory, positionAfter, newest, chunk), Self);
        if (entries.Length > 0)
        {
            // New lines: the stream is alive, and they tell how often this container usually writes.
            var now = _time.GetUtcNow();
            if (_lastNewLinesAt != default)
            {
                var gap = (now - _lastNewLinesAt).TotalSeconds;
                _typicalGapSeconds = _typicalGapSeconds == 0 ? gap : (0.8 * _typicalGapSeconds) + (0.2 * gap);
            }

            _lastNewLinesAt = now;
            _quietReopens = 0;
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
        LogPositionMismatch(Context.Log, _namespace, _podName, _container, _instance);
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
            return;
        }

        _readPending = false;
        if (failed.Error is OperationCanceledException && Context.LifetimeToken.IsCancellationRequested)
        {
            return;
        }

        LogStreamFailed(Context.Log, failed.Error, _namespace, _podName, _container, Describe(failed.Error));
        Reconnect("error", immediately: false);
    }

    private void OnOpenFailed(OpenFailed failed)
    {
        if (failed.Generation != _generation)
        {
            return;
        }

        switch (failed.Error)
        {
            case KubernetesApiException { StatusCode: HttpStatusCode.NotFound }:
                // The pod is gone, and its logs with it.
                LogPodGone(Context.Log, _namespace, _podName, _container);
                Context.Stop(Self);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } when _mode == ReadMode.Drain && _instance < CurrentRestartCount():
                // The runtime no longer has the previous instance: its remaining lines cannot be read.
                CountUnseen(1);
                FinishDrain();
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e:
                // Usually "container is waiting to start": try again when the pod changes or after back-off.
                LogOpenRefused(Context.Log, _namespace, _podName, _container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.Forbidden } e:
                LogForbidden(Context.Log, _namespace, _podName, _container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case OperationCanceledException when Context.LifetimeToken.IsCancellationRequested:
                return;
            default:
                LogStreamFailed(Context.Log, failed.Error, _namespace, _podName, _container, Describe(failed.Error));
                Reconnect("error", immediately: false);
                return;
        }
    }

    private void OnCheckSilence()
    {
        if (_reader is null || _mode != ReadMode.Follow || !IsRunning(Status(_pod), _instance))
        {
            return;
        }

        var silentFor = _time.GetUtcNow() - _lastDataAt;
        if (silentFor > SilenceLimit() && _credit > 0)
        {
            if (_skipRemaining > 0)
            {
                // Acknowledged lines come first, at once, when a stream is opened: if they have not all
                // come, the log no longer has them (rotated), and what was held must be sent after all.
                OnPositionMismatch();
            }

            // Before Kubernetes 1.29 a follow stream stops delivering after the kubelet rotates the file.
            _quietReopens++;
            Reconnect("silent", immediately: true);
        }
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
        var seconds = Math.Max(settings.SilenceFloor.TotalSeconds, settings.SilenceFactor * _typicalGapSeconds) * Math.Pow(2, Math.Min(_quietReopens, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, settings.MaxStreamAge.TotalSeconds));
    }

    private void Reconnect(string reason, bool immediately)
    {
        CloseReader();
        _reopens++;
        _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason(reason));
        LogReopen(Context.Log, _namespace, _podName, _container, reason, _position.SinceSecond, _position.Skip);
        if (immediately)
        {
            Open();
            return;
        }

        _failures++;
        var delay = Backoff(_failures);
        Timers.StartSingleTimer(ReopenTimer, Reopen.AfterError, delay);
        Become(BackingOff);
    }

    private TimeSpan Backoff(int failures)
    {
        var min = _ctx.Settings.ReconnectMinBackoff;
        var max = _ctx.Settings.ReconnectMaxBackoff;
        var exponential = min.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(max.Ticks, exponential));
        return delay * (1 + (Random.Shared.NextDouble() * 0.2));
    }

    // ---- end of a stream -------------------------------------------------------------------------------

    private void OnStreamEnded()
    {
        if (_skipRemaining > 0)
        {
            // The log has fewer lines than were acknowledged from it: the position cannot be trusted.
            OnPositionMismatch();
        }

        CloseReader();

        if (_mode == ReadMode.Drain)
        {
            FinishDrain();
            return;
        }

        // A follow stream ends when its instance ends, when the pod goes, or when the connection drops.
        // The pod says which.
        Become(Deciding);
        _ctx.Client.GetPodAsync(_namespace, _podName, Context.LifetimeToken)
            .PipeTo(Self, success: pod => new PodFetched(pod, null), failure: e => new PodFetched(null, e));
    }

    private void OnPodFetched(PodFetched fetched)
    {
        if (fetched.Error is KubernetesApiException { StatusCode: HttpStatusCode.NotFound } || (fetched.Pod?.Metadata?.Uid is { } uid && uid != _podUid))
        {
            LogPodGone(Context.Log, _namespace, _podName, _container);
            Context.Stop(Self);
            return;
        }

        if (fetched.Pod is null)
        {
            Reconnect("ended", immediately: false);
            return;
        }

        _pod = fetched.Pod;
        var status = Status(_pod);
        if (status is not null && (status.RestartCount > _instance || status.State?.Terminated is not null))
        {
            // The instance ended: read what is left of it without following, then go on.
            _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason("restart"));
            _mode = ReadMode.Drain;
            Open();
            return;
        }

        Reconnect("ended", immediately: _failures == 0);
    }

    /// <summary>An ended instance was read to its end: follow the newest one, or wait for it.</summary>
    private void FinishDrain()
    {
        CloseReader();
        var status = Status(_pod);
        var next = _pendingInstance ?? status?.RestartCount ?? _instance;
        _pendingInstance = null;
        if (next > _instance)
        {
            AdvanceTo(next);
            return;
        }

        _instanceComplete = true;
        if (_podDeleted)
        {
            Context.Stop(Self);
            return;
        }

        Become(Idle);
    }

    private void OnPodUpdated(PodUpdated updated)
    {
        _pod = updated.Pod;
        if (!updated.Labels.Labels.Equals(_labels.Labels) || !Equals(updated.Labels.Metadata, _labels.Metadata))
        {
            _labels = updated.Labels;
            if (_stream is not null)
            {
                _stream = _stream with { Labels = _labels.Labels, Metadata = _labels.Metadata };
            }
        }

        var restartCount = CurrentRestartCount();
        if (_instanceComplete && restartCount > _instance && IsRunningOrEnded(Status(_pod)))
        {
            // The container started again after we read its last instance to the end.
            Self.Tell(new NewestOf(restartCount));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /// <summary>
    /// Stream generations are unique in the process, not per actor: results piped to this actor by an
    /// earlier incarnation (before a restart) can never pass for the current stream's.
    /// </summary>
    private static int NextGeneration() => Interlocked.Increment(ref s_generations);

    private static int s_generations;

    private ContainerStatus? Status(Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == _container)
        ?? pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == _container);

    private int CurrentRestartCount() => Status(_pod)?.RestartCount ?? _instance;

    private static bool IsRunning(ContainerStatus? status, int instance) =>
        status is { State.Running: not null } && status.RestartCount == instance;

    private static bool IsRunningOrEnded(ContainerStatus? status) =>
        status?.State?.Running is not null || status?.State?.Terminated is not null;

    private void CountUnseen(int instances)
    {
        if (instances <= 0)
        {
            return;
        }

        _ctx.Metrics.InstancesUnseen.Add(instances, ShipperMetrics.Namespace(_namespace));
        LogUnseen(Context.Log, instances, _namespace, _podName, _container);
    }

    private void ReportReaderStatistics()
    {
        if (_reader is null)
        {
            return;
        }

        var now = _reader.Statistics;
        var ns = ShipperMetrics.Namespace(_namespace);
        _ctx.Metrics.LinesRead.Add(now.Lines - _reported.Lines, ns);
        _ctx.Metrics.BytesRead.Add(now.Bytes - _reported.Bytes, ns);
        if (now.CutLines != _reported.CutLines)
        {
            _ctx.Metrics.LinesCut.Add(now.CutLines - _reported.CutLines, ns);
        }

        if (now.MalformedLines != _reported.MalformedLines)
        {
            _ctx.Metrics.LinesMalformed.Add(now.MalformedLines - _reported.MalformedLines, ns);
        }

        _reported = now;
    }

    private void CloseReader()
    {
        Timers.Cancel(MaxAgeTimer);
        Timers.Cancel(SilenceTimer);
        if (_reader is not null)
        {
            ReportReaderStatistics();
            _reader.Dispose();
            _reader = null;
        }

        // Held lines were not checked yet; the next open skips them again from the same position.
        ReleaseHeld();

        // A read still pending belongs to the closed stream; its result is recognised by its generation.
        _readPending = false;
        _generation = NextGeneration();
    }

    private static string Describe(Exception error) => error switch
    {
        KubernetesApiException api => $"{(int)api.StatusCode} {api.Message}",
        _ => $"{error.GetType().Name}: {error.Message}",
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Log stream of {Namespace}/{Pod}/{Container} failed ({Reason}); reopening from its position")]
    private static partial void LogStreamFailed(ILogger logger, Exception error, string @namespace, string pod, string container, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Pod {Namespace}/{Pod} is gone; stopped following {Container}")]
    private static partial void LogPodGone(ILogger logger, string @namespace, string pod, string container);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Not allowed to read the log of {Namespace}/{Pod}/{Container}: {Message}. Grant `get` on `pods/log` to ActorLoki's service account")]
    private static partial void LogForbidden(ILogger logger, string @namespace, string pod, string container, string message);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Count} instance(s) of {Namespace}/{Pod}/{Container} started and ended unseen; their lines could not be read")]
    private static partial void LogUnseen(ILogger logger, int count, string @namespace, string pod, string container);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Saved position of {Namespace}/{Pod}/{Container} (instance {Instance}) does not match its log; re-sending from that second (Loki drops the duplicates)")]
    private static partial void LogPositionMismatch(ILogger logger, string @namespace, string pod, string container, int instance);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Reopening the log of {Namespace}/{Pod}/{Container} ({Reason}) from second {Since}, skipping {Skip}")]
    private static partial void LogReopen(ILogger logger, string @namespace, string pod, string container, string reason, long since, long skip);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Opening the log of {Namespace}/{Pod}/{Container} instance {Instance} (follow {Follow}, previous {Previous}) from second {Since}, skipping {Skip}; the pod says restart count {RestartCount}")]
    private static partial void LogOpen(ILogger logger, string @namespace, string pod, string container, int instance, bool follow, bool previous, long since, long skip, int restartCount);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Log of {Namespace}/{Pod}/{Container} cannot be opened yet: {Message}")]
    private static partial void LogOpenRefused(ILogger logger, string @namespace, string pod, string container, string message);
}

/// <summary>What every tail shares: the API client, the actors it talks to, its settings and metrics.</summary>
public sealed record TailContext(
    KubernetesClient Client,
    IActorRef Batcher,
    IActorRef Positions,
    Settings.TailSettings Settings,
    ShipperMetrics Metrics,
    long InitialCredit);

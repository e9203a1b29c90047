using System.Net;
using System.Runtime.CompilerServices;
using ActorLoki.Shipper.Actors;
using Akka.Actor;
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
/// batcher. It reads one instance of the container at a time — resuming from the saved position, then
/// reading each newer instance from its start — and knows instances by container ID (see
/// <see cref="ContainerInstances"/>): an instance that ended is drained to its end (with
/// <c>previous=true</c> once a newer one exists) before the next is followed; instances that came and went
/// unseen are counted. A stream that fails, falls silent or gets old is reopened; a tail reads only with
/// credit from the batcher, so a slow Loki pauses it.
/// </summary>
/// <remarks>
/// Two positions matter. The batcher reports the <em>acknowledged</em> one to the keeper; the tail keeps the
/// <em>read</em> one (<see cref="_position"/>, after the last line it appended) and reopens from it, so lines
/// in flight are neither lost nor sent twice when a stream is reopened. When a stream is opened at a saved
/// position, the lines it says were handled are held until the last of them is checked (timestamp and
/// hash): if the check fails, the held lines are sent after all (Loki drops what it already has).
/// </remarks>
public sealed partial class ContainerTail : ShipperActor, IWithTimers
{
    private const string ReopenTimer = "reopen";
    private const string SilenceTimer = "silence";
    private const string MaxAgeTimer = "max-age";
    private const string OpenTimer = "open";
    private const string GraceTimer = "grace";
    private const string BeginTimer = "begin";

    private static int s_generations;

    private readonly TailContext _ctx;
    private readonly string _namespace;
    private readonly string _podName;
    private readonly string _podUid;
    private readonly string _container;
    private readonly TimeProvider _time;

    // Results piped by an earlier incarnation of this actor (before a restart) carry another token.
    private readonly object _incarnation = new();

    // Instances still to read after the current one, in order (an unfinished older one first).
    private readonly Queue<PlannedRead> _plan = new();

    // Chunks read while skipping acknowledged lines, with the position after each, until the last skipped
    // line is checked. Bounded: the skip covers only the last few seconds before the position.
    private readonly List<(LogChunk Chunk, int Lines, StreamPosition After)> _held = [];

    private Pod _pod;
    private StreamLabels _labels;
    private StreamInfo? _stream;
    private int _instance;
    private string? _containerId;
    private ReadMode _mode;
    private StreamPosition _position = StreamPosition.Start;
    private StreamCursor? _cursor;
    private long _skipRemaining;
    private StreamPosition _openedAt;
    private LogStreamReader? _reader;
    private CancellationTokenSource? _streamCancel;
    private int _generation;
    private bool _readPending;
    private long _credit;
    private int _failures;
    private bool _newLinesSinceOpen;
    private DateTimeOffset _lastDataAt;
    private DateTimeOffset _lastNewLinesAt;
    private double _typicalGapSeconds;
    private int _quietReopens;
    private int _reopens;
    private long _newestTimestamp;
    private bool _podDeleted;
    private bool _idle;
    private LogStreamStatistics _reported;

    public ContainerTail(TailContext context, Pod pod, string container, StreamLabels labels)
    {
        _ctx = context;
        _pod = pod;
        _labels = labels;
        _namespace = pod.Metadata?.Namespace ?? string.Empty;
        _podName = pod.Metadata?.Name ?? string.Empty;
        _podUid = pod.Metadata?.Uid ?? string.Empty;
        _container = container;
        _time = Time;
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TailContext context, Pod pod, string container, StreamLabels labels) =>
        Akka.Actor.Props.Create(() => new ContainerTail(context, pod, container, labels));

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
    /// <param name="LastLineAt">When the tail last read new lines.</param>
    /// <param name="NewestLineTimestamp">The kubelet timestamp of the newest line it read.</param>
    /// <param name="LagSeconds">How far behind the container the tail reads: now less that timestamp (null before the first line).</param>
    public sealed record TailStatus(
        string Namespace, string Pod, string Container, int Instance, string State, string Mode, StreamPosition Position,
        DateTimeOffset? LastLineAt, DateTimeOffset? NewestLineTimestamp, double? LagSeconds, long Credit, int Reopens);

    private enum ReadMode
    {
        /// <summary>Following the running instance.</summary>
        Follow,

        /// <summary>Reading an instance that ended, to its end.</summary>
        Drain,
    }

    /// <summary>An instance to read: its number, its container ID, and where to start.</summary>
    private sealed record PlannedRead(int Number, string? ContainerId, StreamPosition Position);

    private sealed record Begin(object Incarnation, SavedPosition? Saved);

    private sealed record BeginFailed(object Incarnation, Exception Error);

    private sealed record Opened(int Generation, LogStreamReader Reader);

    private sealed record OpenFailed(int Generation, Exception Error);

    private sealed record ChunkRead(int Generation, LogStreamReader Reader, LogChunk? Chunk);

    private sealed record ReadFailed(int Generation, LogStreamReader Reader, Exception Error);

    private sealed record PodFetched(object Incarnation, Pod? Pod, Exception? Error);

    private sealed record Reopen(string Reason);

    private sealed record OpenTimedOut(int Generation);

    private sealed record CheckSilence
    {
        public static readonly CheckSilence Instance = new();
    }

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }

    private sealed record AskPosition
    {
        public static readonly AskPosition Instance = new();
    }

    protected override void PreStart()
    {
        _ctx.Metrics.ActiveTails.Add(1, ShipperMetrics.Namespace(_namespace));
        _ctx.Batcher.Tell(Batcher.RegisterTail.Instance, Self);
        Self.Tell(AskPosition.Instance);
    }

    protected override void PostStop()
    {
        _ctx.Metrics.ActiveTails.Add(-1, ShipperMetrics.Namespace(_namespace));
        _ctx.Batcher.Tell(Batcher.UnregisterTail.Instance, Self);
        CloseReader();
    }

    // ---- behaviours ------------------------------------------------------------------------------------

    /// <summary>Waiting for the saved position before the first open.</summary>
    private void Starting()
    {
        Receive<AskPosition>(_ => AskForPosition());
        Receive<Begin>(begin => ReferenceEquals(begin.Incarnation, _incarnation), OnBegin);
        Receive<BeginFailed>(failed => ReferenceEquals(failed.Incarnation, _incarnation), failed =>
        {
            // The keeper is busy loading or saving: ask again rather than start without a position.
            LogPositionUnavailable(Log, failed.Error, _namespace, _podName, _container);
            Timers.StartSingleTimer(BeginTimer, AskPosition.Instance, TimeSpan.FromSeconds(1));
        });
        CommonHandlers();
    }

    /// <summary>A stream is being opened or read.</summary>
    private void Reading()
    {
        Receive<Opened>(OnOpened);
        Receive<OpenFailed>(OnOpenFailed);
        Receive<OpenTimedOut>(timedOut => timedOut.Generation == _generation && _reader is null, _ =>
        {
            LogOpenTimedOut(Log, _namespace, _podName, _container, _ctx.OpenTimeout);
            Reconnect("open_timeout", immediately: false);
        });
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

    /// <summary>A follow stream ended; the pod is being looked at to learn why.</summary>
    private void Deciding()
    {
        Receive<PodFetched>(fetched => ReferenceEquals(fetched.Incarnation, _incarnation), OnPodFetched);
        CommonHandlers();
    }

    /// <summary>Waiting before reopening a stream that failed.</summary>
    private void BackingOff()
    {
        Receive<Reopen>(_ => Open());
        Receive<PodUpdated>(updated =>
        {
            var before = ContainerInstances.Of(Status(_pod));
            OnPodUpdated(updated);
            var after = ContainerInstances.Of(Status(_pod));
            if (before.Read(_containerId, _instance) != after.Read(_containerId, _instance))
            {
                // The instance started, ended or became `previous`: no need to wait out the back-off.
                Timers.Cancel(ReopenTimer);
                Open();
            }
        });
        CommonHandlers();
    }

    /// <summary>The newest instance was read to its end; waiting for the container to start again.</summary>
    private void Idle()
    {
        Receive<PodUpdated>(updated =>
        {
            OnPodUpdated(updated);
            var view = ContainerInstances.Of(Status(_pod));
            if ((_stream is null || !view.IsNewest(_containerId, _instance)) && view.NewestStarted)
            {
                _idle = false;
                Advance();
            }
        });
        CommonHandlers();
    }

    private void CommonHandlers()
    {
        Receive<Batcher.Credit>(credit => _credit += credit.Bytes);
        Receive<Batcher.ReturnCredit>(request =>
        {
            // Unspent credit only: a read already under way may still take this tail below zero, as any read can.
            var given = Math.Clamp(request.Bytes, 0, Math.Max(0, _credit));
            _credit -= given;
            Sender.Tell(new Batcher.CreditReturned(given));
        });
        Receive<PodUpdated>(OnPodUpdated);
        Receive<PodDeleted>(_ =>
        {
            _podDeleted = true;
            if (_idle)
            {
                Context.Stop(Self);
                return;
            }

            Timers.StartSingleTimer(GraceTimer, GraceOver.Instance, _ctx.Settings.DeletedPodGrace);
        });
        Receive<GraceOver>(_ => Context.Stop(Self));
        Receive<GetStatus>(_ =>
        {
            DateTimeOffset? newest = _newestTimestamp == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_newestTimestamp / 1_000_000);
            Sender.Tell(new TailStatus(
                _namespace, _podName, _container, _instance, CurrentState, _mode.ToString(), _position,
                _lastNewLinesAt == default ? null : _lastNewLinesAt, newest, newest is { } at ? Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds) : null, _credit, _reopens));
        });

        // Results of streams already replaced (older generations) or of an earlier incarnation end here;
        // what they hold goes back.
        Receive<Opened>(stale => stale.Reader.Dispose());
        Receive<ChunkRead>(stale => Discard(stale.Reader, stale.Chunk));
        Receive<ReadFailed>(stale => Discard(stale.Reader, null));
        ReceiveAny(_ => { });
    }

    private string CurrentState => _reader is not null ? "reading" : _idle ? "idle" : "waiting";

    // ---- starting ------------------------------------------------------------------------------------------

    private void AskForPosition()
    {
        var incarnation = _incarnation;
        var key = new StreamKey(_podUid, _container, Math.Max(0, Status(_pod)?.RestartCount ?? 0));
        _ctx.Positions.Ask<PositionsKeeper.Current>(new PositionsKeeper.Get(key), TimeSpan.FromSeconds(30), LifetimeToken)
            .PipeTo(Self, success: current => new Begin(incarnation, current.Position), failure: e => new BeginFailed(incarnation, e));
    }

    private void OnBegin(Begin begin)
    {
        var view = ContainerInstances.Of(Status(_pod));
        var saved = begin.Saved;
        if (saved is not null && view.IsNewest(saved.ContainerId, saved.Key.Instance))
        {
            // Resuming the instance read before the shipper restarted.
            Plan(saved.Key.Instance, view.NewestId, saved.Position);
        }
        else if (saved is not null && view.IsPrevious(saved.ContainerId, saved.Key.Instance))
        {
            // It ended meanwhile, and a newer one started: finish it, then read the newer one.
            Plan(view.PreviousNumber, view.PreviousId, saved.Position);
            PlanNewestFromStart(view);
        }
        else
        {
            if (saved is not null)
            {
                // Not readable any more: the rest of it, and any instance between it and the first readable one, are lost.
                var first = view.HasPrevious ? view.PreviousNumber : view.NewestNumber;
                CountUnseen(Math.Max(1, first - saved.Key.Instance));
            }

            // Never read (a new container, or a new shipper): what is still readable, from its start.
            if (view.HasPrevious)
            {
                Plan(view.PreviousNumber, view.PreviousId, FirstPosition(view.PreviousStartedAt));
            }

            PlanNewestFromStart(view);
        }

        StartNext();
    }

    private void Plan(int number, string? containerId, StreamPosition position) => _plan.Enqueue(new PlannedRead(number, containerId, position));

    private void PlanNewestFromStart(ContainerInstances view)
    {
        if (view.NewestStarted)
        {
            Plan(view.NewestNumber, view.NewestId, FirstPosition(view.NewestStartedAt));
        }
    }

    /// <summary>
    /// Where to read an instance never read before: its start, but never further back than
    /// <c>tail.max-lookback</c> (Loki would refuse lines that old anyway, and a first start must not
    /// flood it with history).
    /// </summary>
    private StreamPosition FirstPosition(DateTimeOffset? startedAt)
    {
        var earliest = _time.GetUtcNow() - _ctx.Settings.MaxLookback;
        return startedAt is null || startedAt < earliest ? StreamPosition.Since(earliest.ToUnixTimeSeconds()) : StreamPosition.Start;
    }

    /// <summary>Reads the next planned instance, or looks for newer ones when the plan is done.</summary>
    private void StartNext()
    {
        if (_plan.TryDequeue(out var next))
        {
            StartReading(next);
            return;
        }

        Advance();
    }

    /// <summary>
    /// Instance <see cref="_instance"/> is read to its end (or is lost): go on to the newer instances the
    /// kubelet still serves — the previous one (when it is not ours) from its start, then the newest — or
    /// wait for the next one.
    /// </summary>
    private void Advance()
    {
        var view = ContainerInstances.Of(Status(_pod));
        if (_stream is not null && (view.IsNewest(_containerId, _instance) || !view.NewestStarted))
        {
            if (_podDeleted)
            {
                Context.Stop(Self);
                return;
            }

            _idle = true;
            Become(Idle);
            return;
        }

        var previousIsNewer = view.HasPrevious && !view.IsPrevious(_containerId, _instance) && (_stream is null || view.PreviousNumber > _instance);
        var first = previousIsNewer ? view.PreviousNumber : view.NewestNumber;
        if (_stream is not null)
        {
            CountUnseen(first - _instance - 1);
        }

        if (previousIsNewer)
        {
            Plan(view.PreviousNumber, view.PreviousId, FirstPosition(view.PreviousStartedAt));
        }

        PlanNewestFromStart(view);
        if (_plan.Count == 0)
        {
            _idle = true;
            Become(Idle);
            return;
        }

        StartNext();
    }

    private void StartReading(PlannedRead read)
    {
        _idle = false;
        _instance = read.Number;
        _containerId = read.ContainerId;
        _position = read.Position;
        _mode = ReadMode.Follow;
        _stream = new StreamInfo(new StreamKey(_podUid, _container, read.Number), _namespace, _podName, _container, _labels.Labels, _labels.Metadata, read.ContainerId);
        Open();
    }

    /// <summary>The instance is read to its end (or no longer readable): the next one, if any.</summary>
    private void FinishInstance()
    {
        CloseReader();
        StartNext();
    }

    // ---- opening and reading -----------------------------------------------------------------------------------

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
            if (_mode == ReadMode.Follow && _lastDataAt != default)
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
        _newLinesSinceOpen = false;
        var generation = _generation;
        var options = new LogOptions
        {
            Container = _container,
            Follow = request.Follow,
            Timestamps = true,
            SinceTime = _position.SinceTime,
            Previous = request.Previous,
        };
        var from = _position.IsFromStart ? "its start" : $"second {_position.SinceSecond}";
        LogOpen(Log, _namespace, _podName, _container, _instance, options.Follow, options.Previous, from, _position.Skip);
        _streamCancel = CancellationTokenSource.CreateLinkedTokenSource(LifetimeToken);
        _ctx.Client.OpenLogStreamAsync(_namespace, _podName, options, _streamCancel.Token)
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
        _lastDataAt = _time.GetUtcNow();
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
        _lastDataAt = _time.GetUtcNow();
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
            if (_lastNewLinesAt != default)
            {
                var gap = (now - _lastNewLinesAt).TotalSeconds;
                _typicalGapSeconds = _typicalGapSeconds == 0 ? gap : (0.8 * _typicalGapSeconds) + (0.2 * gap);
            }

            _lastNewLinesAt = now;
            _newestTimestamp = Math.Max(_newestTimestamp, newest);
            _quietReopens = 0;
            _newLinesSinceOpen = true;
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
        LogPositionMismatch(Log, _namespace, _podName, _container, _instance);
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

        LogStreamFailed(Log, failed.Error, _namespace, _podName, _container, Describe(failed.Error));
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
                LogPodGone(Log, _namespace, _podName, _container);
                Context.Stop(Self);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e when _mode == ReadMode.Drain:
                // The runtime no longer has this instance (a restart in between): what was left is lost.
                LogOpenRefused(Log, _namespace, _podName, _container, e.Message);
                CountUnseen(1);
                FinishInstance();
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.BadRequest } e:
                // Usually "container is waiting to start": try again when the pod changes or after back-off.
                LogOpenRefused(Log, _namespace, _podName, _container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case KubernetesApiException { StatusCode: HttpStatusCode.Forbidden } e:
                LogForbidden(Log, _namespace, _podName, _container, e.Message);
                Reconnect("error", immediately: false);
                return;
            case OperationCanceledException when LifetimeToken.IsCancellationRequested:
                return;
            default:
                LogStreamFailed(Log, failed.Error, _namespace, _podName, _container, Describe(failed.Error));
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

        var silentFor = _time.GetUtcNow() - _lastDataAt;
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
            _quietReopens++;
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
        var seconds = Math.Max(settings.SilenceFloor.TotalSeconds, settings.SilenceFactor * _typicalGapSeconds) * Math.Pow(2, Math.Min(_quietReopens, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, settings.MaxStreamAge.TotalSeconds));
    }

    private void Reconnect(string reason, bool immediately)
    {
        CloseReader();
        _reopens++;
        _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason(reason));
        var from = _position.IsFromStart ? "its start" : $"second {_position.SinceSecond}";
        LogReopen(Log, _namespace, _podName, _container, reason, from, _position.Skip);
        if (immediately)
        {
            Open();
            return;
        }

        _failures++;
        Timers.StartSingleTimer(ReopenTimer, new Reopen(reason), Backoff(_failures));
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

    // ---- end of a stream -------------------------------------------------------------------------------------

    private void OnStreamEnded()
    {
        if (_skipRemaining > 0)
        {
            // The log has fewer lines than were acknowledged from it: the position cannot be trusted.
            OnPositionMismatch();
        }

        var newLines = _newLinesSinceOpen;
        CloseReader();
        if (_mode == ReadMode.Drain)
        {
            FinishInstance();
            return;
        }

        // A follow stream ends when its instance ends, when the pod goes, or when the connection drops.
        // The pod says which.
        _newLinesSinceOpen = newLines;
        Become(Deciding);
        var incarnation = _incarnation;
        _ctx.Client.GetPodAsync(_namespace, _podName, LifetimeToken)
            .PipeTo(Self, success: pod => new PodFetched(incarnation, pod, null), failure: e => new PodFetched(incarnation, null, e));
    }

    private void OnPodFetched(PodFetched fetched)
    {
        if (fetched.Error is KubernetesApiException { StatusCode: HttpStatusCode.NotFound } || (fetched.Pod?.Metadata?.Uid is { } uid && uid != _podUid))
        {
            LogPodGone(Log, _namespace, _podName, _container);
            Context.Stop(Self);
            return;
        }

        if (fetched.Pod is null)
        {
            Reconnect("ended", immediately: false);
            return;
        }

        _pod = fetched.Pod;
        var request = ContainerInstances.Of(Status(_pod)).Read(_containerId, _instance);
        if (request is { Follow: true })
        {
            // Still running: the connection dropped. Reopen at once if it brought lines, else back off
            // (a server that keeps ending streams must not be hammered).
            Reconnect("ended", immediately: _newLinesSinceOpen);
            return;
        }

        // The instance ended: read what is left of it without following (Open picks previous or not).
        _ctx.Metrics.TailReopens.Add(1, ShipperMetrics.Reason("instance_ended"));
        _mode = ReadMode.Drain;
        Open();
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
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private ContainerStatus? Status(Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == _container)
        ?? pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == _container);

    private void CountUnseen(int instances)
    {
        if (instances <= 0)
        {
            return;
        }

        _ctx.Metrics.InstancesUnseen.Add(instances, ShipperMetrics.Namespace(_namespace));
        LogUnseen(Log, instances, _namespace, _podName, _container);
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

    /// <summary>
    /// Closes the current stream. A read still pending is cancelled; the reader gives its pooled buffers back
    /// only once that read has finished with them (LogStreamReader.Dispose is safe during a read).
    /// </summary>
    private void CloseReader()
    {
        Timers.Cancel(MaxAgeTimer);
        Timers.Cancel(SilenceTimer);
        Timers.Cancel(OpenTimer);
        _streamCancel?.Cancel();
        _streamCancel?.Dispose();
        _streamCancel = null;
        if (_reader is not null)
        {
            ReportReaderStatistics();
            _reader.Dispose();
            _reader = null;
        }

        // Held lines were not checked yet; the next open skips them again from the same position.
        ReleaseHeld();
        _readPending = false;

        // Stream generations are unique in the process, not per actor: results piped by an earlier
        // incarnation (before a restart) can never pass for the current stream's.
        _generation = Interlocked.Increment(ref s_generations);
    }

    /// <summary>The result of a read on a stream already closed (and disposed): its chunk goes back.</summary>
    private static void Discard(LogStreamReader reader, LogChunk? chunk)
    {
        _ = reader;
        chunk?.Dispose();
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

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Log of {Namespace}/{Pod}/{Container} cannot be opened: {Message}")]
    private static partial void LogOpenRefused(ILogger logger, string @namespace, string pod, string container, string message);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Reopening the log of {Namespace}/{Pod}/{Container} ({Reason}) from {From}, skipping {Skip}")]
    private static partial void LogReopen(ILogger logger, string @namespace, string pod, string container, string reason, string from, long skip);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Opening the log of {Namespace}/{Pod}/{Container} instance {Instance} (follow {Follow}, previous {Previous}) from {From}, skipping {Skip}")]
    private static partial void LogOpen(ILogger logger, string @namespace, string pod, string container, int instance, bool follow, bool previous, string from, long skip);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Opening the log of {Namespace}/{Pod}/{Container} took longer than {Timeout}; trying again")]
    private static partial void LogOpenTimedOut(ILogger logger, string @namespace, string pod, string container, TimeSpan timeout);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The position of {Namespace}/{Pod}/{Container} could not be read yet; asking again")]
    private static partial void LogPositionUnavailable(ILogger logger, Exception error, string @namespace, string pod, string container);
}

/// <summary>What every tail shares: the API client, the actors it talks to, its settings and metrics.</summary>
/// <param name="OpenTimeout">How long opening a log stream (until the response starts) may take.</param>
public sealed record TailContext(
    KubernetesClient Client,
    IActorRef Batcher,
    IActorRef Positions,
    Settings.TailSettings Settings,
    ShipperMetrics Metrics,
    TimeSpan OpenTimeout);

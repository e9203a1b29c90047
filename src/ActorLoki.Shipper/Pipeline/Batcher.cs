using ActorLoki.Shipper.Actors;
using Akka.Actor;
using ActorLoki.Loki;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Pipeline;

/// <summary>
/// Groups the lines of every tail by label set and hands batches to the pusher, keeping each batch until
/// Loki has acknowledged it. It owns the memory budget: tails read only with credit granted from it, and
/// while the budget is spent no credit is granted, so tails stop reading (the kubelet keeps the file)
/// instead of the shipper dropping lines or growing.
/// </summary>
/// <remarks>
/// Invariants, kept by this actor alone:
/// <list type="bullet">
/// <item><see cref="_buffered"/> plus the credit tails hold never exceeds <c>buffer.max-bytes</c> through a
/// grant; a tail may overshoot its credit by at most one read (a chunk), so memory stays below the budget
/// plus one read per busy tail.</item>
/// <item>A label set has at most one batch in flight, and lines of one label set go in the order appended.</item>
/// <item>A stream's position reaches the <see cref="PositionsKeeper"/> only when every chunk of that stream
/// appended before it is settled (acknowledged by Loki, refused for good, or dropped by policy), so a
/// saved position never skips an unsettled line and never moves backwards — even when a relabelled pod's
/// chunks sit under two label sets.</item>
/// <item>One batch is in flight at a time; a restarted pusher is given the same batch again, from where
/// the failed attempt stopped (the client's resume cursor), so acknowledged requests are not re-sent.</item>
/// </list>
/// </remarks>
public sealed partial class Batcher : ShipperActor, IWithTimers
{
    private const string FlushTimer = "flush";
    private const string StreamsFlushTimerPrefix = "flush-streams-";

    private readonly BatcherOptions _options;
    private readonly IActorRef _positions;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Dictionary<LabelSet, StreamBuffer> _streams = [];

    // Streams whose pending lines became non-empty, by when they fall due (DueAt): the head is the next.
    private readonly PriorityQueue<(StreamBuffer Stream, long Generation), DateTimeOffset> _dueOrder = new();
    private readonly HashSet<StreamBuffer> _ready = [];

    // Credit: what each registered tail holds (may go below zero by one read), and tails waiting for more.
    private readonly Dictionary<IActorRef, long> _balances = [];
    private readonly LinkedList<IActorRef> _starved = new();
    // Tails asked to give back credit above their fair window, until they answer.
    private readonly HashSet<IActorRef> _reclaiming = [];
    private readonly Dictionary<StreamKey, KeyProgress> _progress = [];
    private readonly List<IActorRef> _drainRequesters = [];
    // Containers handed over (cluster mode): pushed now, whatever their age, until nothing of them is unsettled.
    private readonly List<StreamsFlush> _streamFlushes = [];
    private long _nextStreamFlush;

    private long _buffered;
    private long _held;
    private long _nextBatchId = 1;
    private InFlight? _inFlight;
    private IActorRef? _pusher;
    private bool _pusherWaiting;
    private DateTimeOffset? _flushTimerAt;

    /// <summary>
    /// Akka's scheduler fires a timer on its first tick at or after the deadline (ActorLoki's tick is 50 ms), so
    /// the flush timer is set one tick early and a stream due within that tick counts as due: lines go out before
    /// <c>max-wait</c>, never up to a tick after it. Zero under a virtual-time scheduler (tests), which is exact.
    /// </summary>
    private readonly TimeSpan _earlyBy;

    public Batcher(BatcherOptions options, IActorRef positions, ShipperMetrics metrics)
    {
        _options = options;
        _positions = positions;
        _metrics = metrics;
        _time = Time;
        _earlyBy = Context.System.Scheduler is HashedWheelTimerScheduler
            ? Context.System.Settings.Config.GetTimeSpan("akka.scheduler.tick-duration", TimeSpan.Zero)
            : TimeSpan.Zero;

        Receive<RegisterTail>(_ => OnRegister());
        Receive<UnregisterTail>(_ => OnUnregister(Sender));
        Receive<CreditReturned>(OnCreditReturned);
        Receive<Append>(OnAppend);
        Receive<RequestWork>(OnRequestWork);
        Receive<PushCompleted>(OnPushCompleted);
        Receive<PushFailed>(OnPushFailed);
        Receive<FlushDue>(_ => OnFlushDue());
        Receive<Drain>(_ => OnDrain());
        Receive<FlushStreams>(OnFlushStreams);
        Receive<StreamsFlushDeadline>(OnStreamsFlushDeadline);
        Receive<GetStatus>(_ => Sender.Tell(Status()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BatcherOptions options, IActorRef positions, ShipperMetrics metrics) =>
        Akka.Actor.Props.Create(() => new Batcher(options, positions, metrics));

    /// <summary>From a tail that starts: it holds no credit yet; the answer is its first <see cref="Credit"/>.</summary>
    public sealed record RegisterTail
    {
        public static readonly RegisterTail Instance = new();
    }

    /// <summary>From a tail that stops: the credit it holds goes back to the pool.</summary>
    public sealed record UnregisterTail
    {
        public static readonly UnregisterTail Instance = new();
    }

    /// <summary>
    /// A chunk of lines from a tail (the sender), all of one stream, in the order read. The entries' line
    /// bytes live in one buffer of <paramref name="MemoryBytes"/>, owned from now on by the batcher, which
    /// disposes <paramref name="Owner"/> once Loki has the lines; after them the stream's position is
    /// <paramref name="PositionAfter"/>. The chunk spends <paramref name="MemoryBytes"/> of the sender's credit.
    /// </summary>
    public sealed record Append(StreamInfo Stream, LogEntry[] Entries, int Count, long MemoryBytes, StreamPosition PositionAfter, long NewestTimestamp, IDisposable? Owner = null);

    /// <summary>Credit for a tail to read more.</summary>
    public sealed record Credit(long Bytes);

    /// <summary>
    /// To a tail holding more than its fair window while others wait: give back up to <paramref name="Bytes"/>
    /// of unspent credit; answered with <see cref="CreditReturned"/>.
    /// </summary>
    public sealed record ReturnCredit(long Bytes);

    /// <summary>From a tail: the unspent credit it gave back (possibly 0, when it had spent it meanwhile).</summary>
    public sealed record CreditReturned(long Bytes);

    /// <summary>From the pusher: ready to push a batch (a restarted pusher is given the unacknowledged one again).</summary>
    public sealed record RequestWork
    {
        public static readonly RequestWork Instance = new();
    }

    /// <summary>To the pusher: push <paramref name="Batch"/> from <paramref name="Resume"/>; this is attempt <paramref name="Attempt"/>.</summary>
    public sealed record PushWork(PushBatch Batch, PushCursor Resume, int Attempt);

    /// <summary>From the pusher: Loki answered every request of the batch (accepted, or refused for good).</summary>
    public sealed record PushCompleted(long BatchId, PushResult Result);

    /// <summary>From the pusher, before it fails: the batch must be retried from the result's resume cursor.</summary>
    public sealed record PushFailed(long BatchId, PushResult Result);

    /// <summary>Push everything buffered now, whatever its age; answered with <see cref="Drained"/> once Loki has it all.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    /// <summary>
    /// A hand-over (cluster mode): push every line of the container of <paramref name="PodUid"/> named
    /// <paramref name="Container"/> (all its instances) now, whatever its age, and answer with
    /// <see cref="StreamsFlushed"/> once none is unsettled, or when <paramref name="Deadline"/> has passed.
    /// The container's tail has stopped before, so no line of it arrives meanwhile.
    /// </summary>
    public sealed record FlushStreams(string PodUid, string Container, TimeSpan Deadline);

    /// <summary>
    /// The container's lines are settled and their positions sent to the positions keeper
    /// (<paramref name="ChunksLeft"/> = 0), or the deadline passed with that many chunks unsettled.
    /// </summary>
    public sealed record StreamsFlushed(string PodUid, string Container, int ChunksLeft);

    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>What the batcher holds now (for the demo, readiness and the debug endpoint).</summary>
    public sealed record BatcherStatus(long BufferedBytes, long CreditHeld, int Streams, int PendingLines, bool BatchInFlight, int InFlightAttempts, int TailsWaitingForCredit);

    private sealed record FlushDue
    {
        public static readonly FlushDue Instance = new();
    }

    private sealed record StreamsFlushDeadline(long Id);

    /// <summary>A <see cref="FlushStreams"/> waiting for its container's chunks to be settled.</summary>
    private sealed record StreamsFlush(long Id, FlushStreams Request, IActorRef ReplyTo);

    // ---- credit ------------------------------------------------------------------------------------------

    private void OnRegister()
    {
        if (!_balances.ContainsKey(Sender))
        {
            _balances[Sender] = 0;
        }

        TopUp(Sender, _options.InitialCredit);
        ReclaimIfStarved();
    }

    private void OnCreditReturned(CreditReturned returned)
    {
        _reclaiming.Remove(Sender);
        if (_balances.TryGetValue(Sender, out var balance))
        {
            // The tail took the same amount off its own count, so both sides still agree.
            var after = balance - returned.Bytes;
            _held += Math.Max(0, after) - Math.Max(0, balance);
            _balances[Sender] = after;
        }

        GrantToStarved();
    }

    private void OnUnregister(IActorRef tail)
    {
        if (_balances.Remove(tail, out var balance) && balance > 0)
        {
            _held -= balance;
        }

        _starved.Remove(tail);
        _reclaiming.Remove(tail);
        GrantToStarved();
    }

    /// <summary>Room left in the budget for new credit.</summary>
    private long Available => _options.BufferMaxBytes - _buffered - _held;

    /// <summary>
    /// The most credit one tail is given: the configured window while there are few tails, shrinking so that
    /// all of them together hold at most half the budget. Credit held by quiet tails is budget nobody can use;
    /// with a thousand followed containers every one of them must still be able to read.
    /// </summary>
    private long FairWindow => Math.Clamp(_options.BufferMaxBytes / (2L * Math.Max(1, _balances.Count)), MinimumGrant, Math.Max(MinimumGrant, _options.CreditWindow));

    /// <summary>
    /// Brings a tail's credit up to <paramref name="target"/> as far as the budget (and <paramref name="cap"/>)
    /// allows; a tail left without credit waits its turn.
    /// </summary>
    private void TopUp(IActorRef tail, long target, long cap = long.MaxValue)
    {
        var balance = _balances.GetValueOrDefault(tail);
        var wanted = Math.Min(target, FairWindow) - balance;
        var grant = Math.Min(Math.Min(wanted, cap), Math.Max(0, Available));
        if (grant > 0)
        {
            _balances[tail] = balance + grant;
            _held += Math.Max(0, balance + grant) - Math.Max(0, balance);
            tail.Tell(new Credit(grant));
        }

        if (_balances[tail] <= 0 && !_starved.Contains(tail))
        {
            _starved.AddLast(tail);
        }
    }

    /// <summary>
    /// Memory was freed: tails waiting for credit are served in turn, each with an equal slice of what is
    /// free, so that no tail takes it all while others wait.
    /// </summary>
    private void GrantToStarved()
    {
        for (var turns = _starved.Count; turns > 0 && _starved.First is { } first && Available > 0; turns--)
        {
            var tail = first.Value;
            _starved.RemoveFirst();
            if (_balances.ContainsKey(tail))
            {
                var share = Math.Max(MinimumGrant, Available / (_starved.Count + 1));
                TopUp(tail, _options.CreditWindow, share);
            }
        }

        ReclaimIfStarved();
    }

    /// <summary>
    /// Tails wait and the budget has no room for them while others hold more than the fair window (given when
    /// there were fewer tails, and kept because their containers went quiet): those are asked to give the excess back.
    /// </summary>
    private void ReclaimIfStarved()
    {
        if (_starved.Count == 0 || Available >= MinimumGrant)
        {
            return;
        }

        var window = FairWindow;
        foreach (var (tail, balance) in _balances)
        {
            if (balance > window && _reclaiming.Add(tail))
            {
                tail.Tell(new ReturnCredit(balance - window));
            }
        }
    }

    /// <summary>Grants smaller than this are not worth a message (and a read).</summary>
    private const long MinimumGrant = 4 * 1024;

    // ---- appending -----------------------------------------------------------------------------------------

    private void OnAppend(Append append)
    {
        if (_balances.TryGetValue(Sender, out var balance))
        {
            var after = balance - append.MemoryBytes;
            _held += Math.Max(0, after) - Math.Max(0, balance);
            _balances[Sender] = after;
        }

        if (append.Count == 0)
        {
            append.Owner?.Dispose();
            Repay(Sender);
            return;
        }

        if (!_streams.TryGetValue(append.Stream.Labels, out var stream))
        {
            stream = new StreamBuffer(append.Stream.Labels);
            _streams.Add(append.Stream.Labels, stream);
        }

        var wasEmpty = stream.Pending.Count == 0;
        if (wasEmpty)
        {
            stream.StartPending(append.Count);
        }

        for (var i = 0; i < append.Count; i++)
        {
            stream.Pending.Add(append.Entries[i]);
        }

        var progress = Progress(append.Stream.Key);
        stream.Chunks.Add(new ChunkRecord(append.Stream, progress.NextSequence++, append.PositionAfter, append.MemoryBytes, append.NewestTimestamp, append.Owner));
        _buffered += append.MemoryBytes;
        _metrics.BufferedBytes = _buffered;

        if (wasEmpty)
        {
            stream.Generation++;
            var now = _time.GetUtcNow();
            stream.FirstPendingAt = now;
            stream.DueAt = DueAt(append.Entries[0].TimestampUnixNanos, now);
            _dueOrder.Enqueue((stream, stream.Generation), stream.DueAt);
            ScheduleFlush();
        }

        if (IsFull(stream))
        {
            _ready.Add(stream);
            TryDispatch();
        }

        Repay(Sender);
    }

    /// <summary>After an append: the tail gets its window back if the budget allows, else drop-oldest makes room or the tail waits.</summary>
    private void Repay(IActorRef tail)
    {
        if (!_balances.ContainsKey(tail))
        {
            return;
        }

        if (Available <= 0 && _options.WhenFull == BufferFullPolicy.DropOldest)
        {
            DropOldestPending();
        }

        if (_starved.Count > 0)
        {
            // Others are waiting: this tail queues behind them rather than taking the freed memory first.
            if (_balances[tail] <= 0 && !_starved.Contains(tail))
            {
                _starved.AddLast(tail);
            }

            GrantToStarved();
            return;
        }

        TopUp(tail, _options.CreditWindow);
    }

    /// <summary>
    /// The drop-oldest policy: drops the pending lines of the stream waiting longest, as long as the budget
    /// is exceeded. A stream with a batch in flight keeps its lines, so when only such streams hold memory
    /// the tails wait as with the block policy.
    /// </summary>
    private void DropOldestPending()
    {
        foreach (var stream in _streams.Values.Where(s => !s.InFlight && s.Pending.Count > 0).OrderBy(s => s.FirstPendingAt).ToList())
        {
            if (Available > 0)
            {
                return;
            }

            _metrics.LinesDropped.Add(stream.Pending.Count, ShipperMetrics.Reason("buffer_full"));
            LogDroppedBufferFull(Log, stream.Pending.Count, stream.Labels.Text);
            Settle(stream.Chunks, acknowledgedAt: null);
            stream.ClearPending();
            _ready.Remove(stream);
            Forget(stream);
        }
    }

    // ---- flushing ---------------------------------------------------------------------------------------------

    /// <summary>
    /// When a stream's pending lines are due: <c>max-wait</c> after the first one's timestamp (when the kubelet
    /// recorded it), so the wait to read it counts, never later than <c>max-wait</c> from now (a node clock ahead of
    /// ours) and never before now. Lines older than <c>max-wait</c> (a backlog read after a restart or an outage)
    /// go out as soon as the pusher is free instead of waiting another <c>max-wait</c>.
    /// </summary>
    private DateTimeOffset DueAt(long firstTimestampUnixNanos, DateTimeOffset now)
    {
        var due = DateTimeOffset.UnixEpoch.UtcTicks + (firstTimestampUnixNanos / 100) + _options.MaxWait.Ticks;
        return new DateTimeOffset(Math.Clamp(due, now.UtcTicks, now.UtcTicks + _options.MaxWait.Ticks), TimeSpan.Zero);
    }

    private void ScheduleFlush()
    {
        while (_dueOrder.TryPeek(out var head, out _) && (head.Generation != head.Stream.Generation || head.Stream.Pending.Count == 0))
        {
            _dueOrder.Dequeue();
        }

        if (!_dueOrder.TryPeek(out _, out var due))
        {
            return;
        }

        if (_flushTimerAt == due)
        {
            return;
        }

        _flushTimerAt = due;
        var delay = due - _earlyBy - _time.GetUtcNow();
        Timers.StartSingleTimer(FlushTimer, FlushDue.Instance, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
    }

    private void OnFlushDue()
    {
        _flushTimerAt = null;
        var now = _time.GetUtcNow();
        while (_dueOrder.TryPeek(out var head, out _))
        {
            if (head.Generation != head.Stream.Generation || head.Stream.Pending.Count == 0)
            {
                _dueOrder.Dequeue();
                continue;
            }

            if (head.Stream.DueAt - _earlyBy > now)
            {
                break;
            }

            _dueOrder.Dequeue();
            _ready.Add(head.Stream);
        }

        TryDispatch();
        ScheduleFlush();
    }

    // ---- pushing ------------------------------------------------------------------------------------------------

    private void OnRequestWork(RequestWork _)
    {
        var fromNewPusher = !Sender.Equals(_pusher);
        _pusher = Sender;
        _pusherWaiting = true;
        if (_inFlight is not null && (fromNewPusher || _inFlight.Failed))
        {
            // The attempt failed: a new pusher (after Akka's back-off) or the same one (after waiting for
            // Retry-After) asks again and is given the same batch.
            _inFlight.Failed = false;
            _inFlight.Attempts++;
            if (!GiveUpIfRetriesExhausted())
            {
                _pusherWaiting = false;
                _pusher.Tell(new PushWork(_inFlight.Batch, _inFlight.Resume, _inFlight.Attempts));
            }

            return;
        }

        TryDispatch();
    }

    private void TryDispatch()
    {
        if (!_pusherWaiting || _pusher is null || _inFlight is not null || _ready.Count == 0)
        {
            return;
        }

        var batch = new PushBatch(_nextBatchId++);
        var streams = new List<StreamBuffer>();
        var chunks = new List<ChunkRecord>();
        foreach (var stream in _ready)
        {
            if (stream.Pending.Count == 0 || stream.InFlight)
            {
                continue;
            }

            batch.Add(stream.Pending);
            chunks.AddRange(stream.Chunks);
            streams.Add(stream);
            stream.TakePending();
        }

        _ready.Clear(); // one batch in flight: every ready stream went into it
        if (streams.Count == 0)
        {
            return;
        }

        _inFlight = new InFlight(batch, streams, chunks);
        _pusherWaiting = false;
        _pusher.Tell(new PushWork(batch, PushCursor.Start, 1));
        ScheduleFlush();
    }

    private void OnPushCompleted(PushCompleted completed)
    {
        if (_inFlight is null || _inFlight.Batch.Id != completed.BatchId)
        {
            return; // an answer for a batch already settled (a late reply from a replaced pusher)
        }

        // Lines Loki refused (400) or that were truncated are counted by the Loki client, under the same
        // metric names (actorloki_lines_dropped_total{reason}, actorloki_lines_truncated_total).
        var result = completed.Result;
        var now = _time.GetUtcNow();
        _metrics.LinesSent.Add(_inFlight.Batch.EntryCount - result.TotalDropped);
        _metrics.BytesSent.Add(_inFlight.Batch.LineBytes);
        _metrics.BatchesSent.Add(1);
        _metrics.LastPushSuccess = now;
        SettleInFlight(now);
    }

    private void OnPushFailed(PushFailed failed)
    {
        if (_inFlight is null || _inFlight.Batch.Id != failed.BatchId)
        {
            return;
        }

        var result = failed.Result;
        if (result.Outcome == PushOutcome.ConfigurationError)
        {
            // Misconfiguration (401, 403, 404) never uses up retries: nothing is dropped for it.
            _inFlight.Forgiven++;
        }
        else if (IsAfter(result.Resume, _inFlight.Resume))
        {
            // Progress was made (some requests of a split batch went through): the count starts again.
            _inFlight.Forgiven = _inFlight.Attempts;
        }

        _inFlight.Resume = result.Resume;
        _inFlight.Failed = true;
        _metrics.PushRetries.Add(1, ShipperMetrics.Reason(RetryReason(result)));
    }

    /// <summary>Past <c>retry.max-retries</c> a batch is dropped and counted; -1 never gives up.</summary>
    private bool GiveUpIfRetriesExhausted()
    {
        if (_inFlight is null || _options.MaxRetries < 0 || _inFlight.Attempts - _inFlight.Forgiven <= _options.MaxRetries + 1)
        {
            return false;
        }

        var lines = _inFlight.Batch.EntryCount;
        _metrics.LinesDropped.Add(lines, ShipperMetrics.Reason("retries_exhausted"));
        LogGaveUp(Log, _inFlight.Batch.Id, lines, _inFlight.Attempts - 1);
        SettleInFlight(acknowledgedAt: null);
        return true;
    }

    /// <summary>The in-flight batch is done with: positions move on, memory and credit are released.</summary>
    private void SettleInFlight(DateTimeOffset? acknowledgedAt)
    {
        var inFlight = _inFlight!;
        _inFlight = null;
        Settle(inFlight.Chunks, acknowledgedAt);
        foreach (var stream in inFlight.Streams)
        {
            stream.InFlight = false;
            if (stream.Pending.Count > 0 && IsDue(stream))
            {
                _ready.Add(stream);
            }

            Forget(stream);
        }

        GrantToStarved();
        TryDispatch();
        CompleteDrainIfEmpty();
    }

    private bool IsDue(StreamBuffer stream) =>
        _drainRequesters.Count > 0 || IsFull(stream) || stream.DueAt - _earlyBy <= _time.GetUtcNow() || IsFlushing(stream);

    private bool IsFlushing(StreamBuffer stream) =>
        _streamFlushes.Count > 0 && stream.Chunks.Any(c => _streamFlushes.Exists(f => IsOf(c.Stream.Key, f.Request)));

    private static bool IsOf(StreamKey key, FlushStreams flush) =>
        key.PodUid == flush.PodUid && key.Container == flush.Container;

    private void OnFlushStreams(FlushStreams flush)
    {
        var pending = new StreamsFlush(_nextStreamFlush++, flush, Sender);
        _streamFlushes.Add(pending);
        foreach (var stream in _streams.Values.Where(s => s.Pending.Count > 0 && s.Chunks.Exists(c => IsOf(c.Stream.Key, flush))))
        {
            _ready.Add(stream);
        }

        Timers.StartSingleTimer(StreamsFlushTimerPrefix + pending.Id, new StreamsFlushDeadline(pending.Id), flush.Deadline);
        TryDispatch();
        CompleteStreamFlushes();
    }

    private void OnStreamsFlushDeadline(StreamsFlushDeadline deadline)
    {
        var index = _streamFlushes.FindIndex(f => f.Id == deadline.Id);
        if (index >= 0)
        {
            var flush = _streamFlushes[index];
            _streamFlushes.RemoveAt(index);
            flush.ReplyTo.Tell(new StreamsFlushed(flush.Request.PodUid, flush.Request.Container, UnsettledChunks(flush.Request)));
        }
    }

    /// <summary>Answers every flush whose container has nothing unsettled any more (its positions are with the keeper).</summary>
    private void CompleteStreamFlushes()
    {
        for (var i = _streamFlushes.Count - 1; i >= 0; i--)
        {
            var flush = _streamFlushes[i];
            if (UnsettledChunks(flush.Request) == 0)
            {
                _streamFlushes.RemoveAt(i);
                Timers.Cancel(StreamsFlushTimerPrefix + flush.Id);
                flush.ReplyTo.Tell(new StreamsFlushed(flush.Request.PodUid, flush.Request.Container, 0));
            }
        }
    }

    private int UnsettledChunks(FlushStreams flush) =>
        _progress.Where(p => IsOf(p.Key, flush)).Sum(p => (int)(p.Value.NextSequence - p.Value.NextToConfirm));

    /// <summary>The stream's pending lines make a batch of <c>max-bytes</c> (or <c>max-lines</c>): they go without waiting.</summary>
    private bool IsFull(StreamBuffer stream) =>
        stream.Pending.LineBytes >= _options.MaxBytes || (_options.MaxLines > 0 && stream.Pending.Count >= _options.MaxLines);

    /// <summary>A label set with nothing pending and nothing in flight is forgotten (pods come and go).</summary>
    private void Forget(StreamBuffer stream)
    {
        if (stream.Pending.Count == 0 && !stream.InFlight)
        {
            _streams.Remove(stream.Labels);
        }
    }

    private KeyProgress Progress(StreamKey key)
    {
        if (!_progress.TryGetValue(key, out var progress))
        {
            _progress[key] = progress = new KeyProgress();
        }

        return progress;
    }

    /// <summary>
    /// Chunks are settled: their buffers go back to the pool, and each stream's position moves to the newest
    /// chunk before which every chunk of that stream is settled.
    /// </summary>
    private void Settle(List<ChunkRecord> chunks, DateTimeOffset? acknowledgedAt)
    {
        var now = _time.GetUtcNow();
        var moved = new Dictionary<StreamKey, SavedPosition>();
        foreach (var chunk in chunks)
        {
            // The lines are in Loki (or will never be sent): their buffer goes back to the pool.
            chunk.Owner?.Dispose();
            _buffered -= chunk.MemoryBytes;
            if (acknowledgedAt is { } at)
            {
                var lag = (at.ToUnixTimeMilliseconds() * 1_000_000L) - chunk.NewestTimestamp;
                _metrics.EndToEndLag.Record(Math.Max(0, lag) / 1e9);
            }

            var key = chunk.Stream.Key;
            var progress = _progress[key];
            progress.Settled[chunk.Sequence] = new SavedPosition(key, chunk.Stream.Namespace, chunk.Stream.Pod, chunk.PositionAfter, now, null, chunk.Stream.ContainerId);
            SavedPosition? newest = null;
            while (progress.Settled.Remove(progress.NextToConfirm, out var confirmed))
            {
                newest = confirmed;
                progress.NextToConfirm++;
            }

            if (newest is not null)
            {
                moved[key] = newest;
            }

            if (progress.NextToConfirm == progress.NextSequence)
            {
                _progress.Remove(key);
            }
        }

        _metrics.BufferedBytes = _buffered;
        if (moved.Count > 0)
        {
            _positions.Tell(new PositionsKeeper.Acknowledged([.. moved.Values]));
        }

        // After the positions went to the keeper: a hand-over releases the stream only once they are there.
        CompleteStreamFlushes();
    }

    private void OnDrain()
    {
        _drainRequesters.Add(Sender);
        foreach (var stream in _streams.Values.Where(s => s.Pending.Count > 0))
        {
            _ready.Add(stream);
        }

        TryDispatch();
        CompleteDrainIfEmpty();
    }

    private void CompleteDrainIfEmpty()
    {
        if (_drainRequesters.Count == 0)
        {
            return;
        }

        if (_inFlight is null && _streams.Values.All(s => s.Pending.Count == 0))
        {
            foreach (var requester in _drainRequesters)
            {
                requester.Tell(Drained.Instance);
            }

            _drainRequesters.Clear();
            return;
        }

        // Lines that arrived while draining are pushed too.
        foreach (var stream in _streams.Values.Where(s => s.Pending.Count > 0 && !s.InFlight))
        {
            _ready.Add(stream);
        }

        TryDispatch();
    }

    private BatcherStatus Status() => new(
        _buffered,
        _held,
        _streams.Count,
        _streams.Values.Sum(s => s.Pending.Count),
        _inFlight is not null,
        _inFlight?.Attempts ?? 0,
        _starved.Count);

    private static bool IsAfter(PushCursor a, PushCursor b) => a.Stream > b.Stream || (a.Stream == b.Stream && a.Entry > b.Entry);

    private static string RetryReason(PushResult result) => result switch
    {
        { Outcome: PushOutcome.ConfigurationError } => "config_error",
        { StatusCode: 429 } => "rate_limited",
        { StatusCode: >= 500 } => "server_error",
        { StatusCode: 413 } => "too_large",
        { StatusCode: null } => "transport",
        _ => "other",
    };

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Gave up on batch {BatchId} after {Retries} retries (loki.retry.max-retries): {Lines} lines dropped")]
    private static partial void LogGaveUp(ILogger logger, long batchId, int lines, int retries);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Buffer full (loki.buffer.when-full = drop-oldest): dropped {Lines} pending lines of {Labels}")]
    private static partial void LogDroppedBufferFull(ILogger logger, int lines, string labels);

    /// <summary>A chunk appended by a tail, remembered until it is settled; <see cref="Sequence"/> orders the chunks of its stream.</summary>
    private sealed record ChunkRecord(StreamInfo Stream, long Sequence, StreamPosition PositionAfter, long MemoryBytes, long NewestTimestamp, IDisposable? Owner);

    /// <summary>Which chunks of one stream are settled, so that its position only moves over settled ones.</summary>
    private sealed class KeyProgress
    {
        public long NextSequence { get; set; }

        public long NextToConfirm { get; set; }

        public Dictionary<long, SavedPosition> Settled { get; } = [];
    }

    /// <summary>The lines of one label set that are not yet in a batch.</summary>
    private sealed class StreamBuffer(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;

        /// <summary>
        /// Empty between batches and sized to the first chunk when lines come (<see cref="StartPending"/>): a
        /// followed container that writes a line or two per batch would otherwise hold, and leave to the GC
        /// with every batch, room for 16 entries (536 bytes) that it never fills, a thousand times over.
        /// </summary>
        public PushStream Pending { get; private set; } = new(labels, 0);

        public List<ChunkRecord> Chunks { get; private set; } = [];

        public DateTimeOffset FirstPendingAt { get; set; }

        /// <summary>When the pending lines go out at the latest (<see cref="Batcher.DueAt"/>).</summary>
        public DateTimeOffset DueAt { get; set; }

        /// <summary>Bumped when pending lines start anew, so stale entries of the due queue are recognised.</summary>
        public long Generation { get; set; }

        public bool InFlight { get; set; }

        /// <summary>The first lines since the last batch are coming: room for <paramref name="lines"/> (it grows past that).</summary>
        public void StartPending(int lines)
        {
            Pending = new PushStream(Labels, lines);
        }

        /// <summary>Moves the pending lines into a batch: the stream is in flight until it is settled.</summary>
        public void TakePending()
        {
            Pending = new PushStream(Labels, 0);
            Chunks = [];
            InFlight = true;
            Generation++;
        }

        public void ClearPending()
        {
            Pending.Clear();
            Chunks = [];
            Generation++;
        }
    }

    private sealed class InFlight(PushBatch batch, List<StreamBuffer> streams, List<ChunkRecord> chunks)
    {
        public PushBatch Batch { get; } = batch;

        public List<StreamBuffer> Streams { get; } = streams;

        public List<ChunkRecord> Chunks { get; } = chunks;

        public PushCursor Resume { get; set; } = PushCursor.Start;

        public int Attempts { get; set; } = 1;

        /// <summary>Attempts that do not count towards max-retries (configuration errors, and those before progress).</summary>
        public int Forgiven { get; set; }

        /// <summary>The last attempt failed; the next <see cref="RequestWork"/> is for this batch again.</summary>
        public bool Failed { get; set; }
    }
}

/// <summary>What the <see cref="Batcher"/> needs of the settings.</summary>
/// <param name="InitialCredit">Credit a tail gets when it starts (one small read's worth: idle tails hold little).</param>
/// <param name="CreditWindow">Credit a tail that reads is topped up to after each chunk, as far as the budget allows.</param>
public sealed record BatcherOptions(
    long MaxBytes,
    TimeSpan MaxWait,
    int MaxLines,
    long BufferMaxBytes,
    BufferFullPolicy WhenFull,
    int MaxRetries,
    long InitialCredit = 16 * 1024,
    long CreditWindow = 256 * 1024);

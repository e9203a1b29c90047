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
/// <em>read</em> one (<see cref="InstanceRead.Position"/>, after the last line it appended) and reopens from it, so lines
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
    private readonly TailIdentity _id;
    private readonly TimeProvider _time;

    // Results piped by an earlier incarnation of this actor (before a restart) carry another token.
    private readonly object _incarnation = new();

    // Instances still to read after the current one, in order (an unfinished older one first).
    private readonly Queue<PlannedRead> _plan = new();

    private readonly SilenceWatch _silence = new();
    private readonly TailCounters _counters = new();

    private Pod _pod;
    private StreamLabels _labels;

    // The instance being read, or the last one read; null before the first. Replaced when the next starts.
    private InstanceRead? _read;

    // The stream open on it (see ContainerTail.Reading.cs); null between streams.
    private OpenStream? _open;

    private long _credit;
    private bool _podDeleted;

    public ContainerTail(TailContext context, Pod pod, string container, StreamLabels labels)
    {
        _ctx = context;
        _pod = pod;
        _labels = labels;
        _id = new TailIdentity(pod.Metadata?.Namespace ?? string.Empty, pod.Metadata?.Name ?? string.Empty, pod.Metadata?.Uid ?? string.Empty, container);
        _time = Time;
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TailContext context, Pod pod, string container, StreamLabels labels) =>
        Akka.Actor.Props.Create(() => new ContainerTail(context, pod, container, labels));

    protected override void PreStart()
    {
        _ctx.Metrics.ActiveTails.Add(1, ShipperMetrics.Namespace(_id.Namespace));
        _ctx.Batcher.Tell(Batcher.RegisterTail.Instance, Self);
        Self.Tell(AskPosition.Instance);
    }

    protected override void PostStop()
    {
        _ctx.Metrics.ActiveTails.Add(-1, ShipperMetrics.Namespace(_id.Namespace));
        _ctx.Batcher.Tell(Batcher.UnregisterTail.Instance, Self);
        CloseReader();
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
            Timers.StartSingleTimer(GraceTimer, GraceOver.Instance, _ctx.Settings.DeletedPodGrace);
        });
        Receive<GraceOver>(_ => Context.Stop(Self));
        Receive<GetStatus>(_ => Sender.Tell(CurrentStatus(_open?.Reader is not null ? "reading" : "waiting")));

        // Results of streams already replaced (older generations) or of an earlier incarnation end here;
        // what they hold goes back.
        Receive<Opened>(stale => stale.Reader.Dispose());
        Receive<ChunkRead>(stale => Discard(stale.Reader, stale.Chunk));
        Receive<ReadFailed>(stale => Discard(stale.Reader, null));
        ReceiveAny(_ => { });
    }

    private TailStatus CurrentStatus(string state)
    {
        var newestTimestamp = _counters.NewestTimestamp;
        DateTimeOffset? newest = newestTimestamp == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(newestTimestamp / 1_000_000);
        return new TailStatus(
            _id.Namespace, _id.Pod, _id.Container, _read?.Number ?? 0, state, (_read?.Mode ?? ReadMode.Follow).ToString(), _read?.Position ?? StreamPosition.Start,
            _silence.LastNewLinesAt == default ? null : _silence.LastNewLinesAt, newest, newest is { } at ? Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds) : null, _credit, _counters.Reopens);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private void ReportReaderStatistics(OpenStream open)
    {
        if (open.Reader is not { } reader)
        {
            return;
        }

        var now = reader.Statistics;
        var reported = open.Reported;
        var ns = ShipperMetrics.Namespace(_id.Namespace);
        _ctx.Metrics.LinesRead.Add(now.Lines - reported.Lines, ns);
        _ctx.Metrics.BytesRead.Add(now.Bytes - reported.Bytes, ns);
        if (now.CutLines != reported.CutLines)
        {
            _ctx.Metrics.LinesCut.Add(now.CutLines - reported.CutLines, ns);
        }

        if (now.MalformedLines != reported.MalformedLines)
        {
            _ctx.Metrics.LinesMalformed.Add(now.MalformedLines - reported.MalformedLines, ns);
        }

        open.Reported = now;
    }

    /// <summary>
    /// Closes the current stream. A read still pending is cancelled; the reader gives its pooled buffers back
    /// only once that read has finished with them (LogStreamReader.Dispose is safe during a read). Results
    /// of the closed stream, still on their way, no longer match <see cref="_open"/> and are discarded.
    /// </summary>
    private void CloseReader()
    {
        Timers.Cancel(MaxAgeTimer);
        Timers.Cancel(SilenceTimer);
        Timers.Cancel(OpenTimer);
        if (_open is not { } open)
        {
            return;
        }

        _open = null;
        open.Cancel.Cancel();
        open.Cancel.Dispose();
        if (open.Reader is not null)
        {
            ReportReaderStatistics(open);
            open.Reader.Dispose();
        }

        // Held lines were not checked yet; the next open skips them again from the same position.
        open.ReleaseHeld();
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

    /// <summary>
    /// One instance of the container, from the moment the tail starts reading it until it starts the next:
    /// which instance it is, the stream it feeds in Loki, how it is read, and the <em>read</em> position,
    /// which outlives the streams opened on it (each reopen starts there).
    /// </summary>
    private sealed class InstanceRead(int number, string? containerId, StreamInfo stream, StreamPosition position)
    {
        public int Number { get; } = number;

        public string? ContainerId { get; } = containerId;

        /// <summary>Its Loki stream; replaced when the pod's labels change.</summary>
        public StreamInfo Stream { get; set; } = stream;

        /// <summary>After the last line handed to the batcher.</summary>
        public StreamPosition Position { get; set; } = position;

        /// <summary>Followed while it runs; drained to its end once it ended (set on each open from the pod's status).</summary>
        public ReadMode Mode { get; set; } = ReadMode.Follow;
    }
}

/// <summary>Which container a tail follows: fixed for its life.</summary>
internal sealed record TailIdentity(string Namespace, string Pod, string PodUid, string Container);

/// <summary>
/// What a tail knows of its stream's rhythm, to tell a silent stream (kubelet rotation stalls) from a quiet
/// container: when data last came, when new lines last came, the usual gap between them, and the reopens
/// for silence in a row.
/// </summary>
internal sealed class SilenceWatch
{
    public bool NewLinesSinceOpen { get; set; }

    public DateTimeOffset LastDataAt { get; set; }

    public DateTimeOffset LastNewLinesAt { get; set; }

    public double TypicalGapSeconds { get; set; }

    public int QuietReopens { get; set; }
}

/// <summary>What a tail counts over its life, across instances and streams: for the back-off and <c>/debug/streams</c>.</summary>
internal sealed class TailCounters
{
    /// <summary>Reconnects in a row that waited out a back-off (reset by the first chunk read); the back-off grows with them.</summary>
    public int Failures { get; set; }

    public int Reopens { get; set; }

    /// <summary>The kubelet timestamp (ns) of the newest line read; 0 before the first.</summary>
    public long NewestTimestamp { get; set; }
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

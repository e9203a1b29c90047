using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Tailing;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// One container stream in a scaled-out deployment: a sharding entity (<see cref="StreamShards.EntityId"/>) that
/// owns the stream's <see cref="ContainerTail"/> on whichever node its shard lives. The tail is today's, with its
/// protocol unchanged (<see cref="ContainerTail.PodUpdated"/>, <see cref="ContainerTail.PodDeleted"/>); around it
/// the entity takes ownership of the stream's position (<see cref="StreamOwnership.AcquireStream"/>, which reads it
/// afresh, since another node may have written it) before the tail starts, and gives it back on the way out.
/// </summary>
/// <remarks>
/// Leaving: on <see cref="HandOff"/> (the shard moves) it stops reading, waits until its node's batcher has
/// settled every line of the stream (<see cref="Batcher.FlushStreams"/>, within <c>hand-off-timeout</c>), releases
/// the position (saved) and stops, so the next owner resumes exactly after the last acknowledged line. When the
/// pod is deleted and the tail has read what was left, it releases with <c>Forget</c> and passivates. A tail
/// that ends while its pod still exists (a completed pod read to its end) leaves the entity waiting for a newer
/// pod, as the namespace supervisor would start a new tail on the next pod event.
/// </remarks>
public sealed partial class StreamEntity : ShipperActor, IWithTimers
{
    private const string AcquireTimer = "acquire";

    private readonly StreamEntityContext _ctx;
    private readonly string _podUid;
    private readonly string _container;
    private Pod? _pod;
    private IActorRef? _tail;
    private bool _podDeleted;
    private bool _leaving;

    public StreamEntity(StreamEntityContext context, string entityId)
    {
        _ctx = context;
        var slash = entityId.IndexOf('/', StringComparison.Ordinal);
        _podUid = slash < 0 ? entityId : entityId[..slash];
        _container = slash < 0 ? string.Empty : entityId[(slash + 1)..];
        WithoutPod();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StreamEntityContext context, string entityId) =>
        Akka.Actor.Props.Create(() => new StreamEntity(context, entityId));

    /// <summary>Asks whether this entity follows its stream; answered with <see cref="EntityStatus"/>.</summary>
    public sealed record GetEntityStatus
    {
        public static readonly GetEntityStatus Instance = new();
    }

    public sealed record EntityStatus(string PodUid, string Container, bool Following, IActorRef? Tail);

    private sealed record RetryAcquire
    {
        public static readonly RetryAcquire Instance = new();
    }

    private sealed record Flushed(Batcher.StreamsFlushed? Result);

    private sealed record Released(StreamOwnership.StreamReleased? Result);

    /// <summary>No pod yet (just created, by an ensure or after a move): ask the coordinator for it.</summary>
    private void WithoutPod()
    {
        Receive<EnsureStream>(_ => Sender.Tell(new NeedPod(_podUid, _container)));
        Receive<StreamPod>(m => Acquire(m.Pod, deleted: false));
        Receive<StreamPodDeleted>(m => Acquire(m.Pod, deleted: true));
        Receive<StreamNotWanted>(_ => Passivate());
        Receive<HandOff>(_ => Context.Stop(Self));
        CommonMessages();
    }

    private void Acquire(Pod pod, bool deleted)
    {
        _pod = pod;
        _podDeleted |= deleted;
        Become(Acquiring);
        _ctx.Positions.Tell(new StreamOwnership.AcquireStream(_podUid, _container));
    }

    /// <summary>Waiting for the position to be read afresh; everything else waits too.</summary>
    private void Acquiring()
    {
        Receive<StreamOwnership.StreamAcquired>(acquired =>
        {
            if (acquired.Error is not null)
            {
                // Starting without the stored position would read the stream again from its start (or skip it).
                LogAcquireFailed(Log, acquired.Error, _podUid, _container);
                Timers.StartSingleTimer(AcquireTimer, RetryAcquire.Instance, TimeSpan.FromSeconds(2));
                return;
            }

            StartTail();
        });
        Receive<RetryAcquire>(_ => _ctx.Positions.Tell(new StreamOwnership.AcquireStream(_podUid, _container)));
        Receive<StreamPod>(m => _pod = m.Pod);
        Receive<StreamPodDeleted>(m =>
        {
            _pod = m.Pod;
            _podDeleted = true;
        });
        Receive<EnsureStream>(_ => { });
        Receive<HandOff>(_ => Leave(forget: false, stop: true));
        Receive<StreamNotWanted>(_ => Leave(forget: false, stop: false));
        CommonMessages();
    }

    private void StartTail()
    {
        var pod = _pod!;
        _tail = Context.ActorOf(ContainerTail.Props(_ctx.Tail, pod, _container, _ctx.Labeler.For(pod, _container)), "tail");
        Context.Watch(_tail);
        if (_podDeleted)
        {
            _tail.Tell(ContainerTail.PodDeleted.Instance);
        }

        _ctx.Metrics.EntityStarted();
        LogFollowing(Log, pod.Metadata?.Namespace ?? "?", pod.Metadata?.Name ?? "?", _container);
        Become(Following);
    }

    private void Following()
    {
        Receive<StreamPod>(m =>
        {
            _pod = m.Pod;
            _tail?.Tell(new ContainerTail.PodUpdated(m.Pod, _ctx.Labeler.For(m.Pod, _container)));
        });
        Receive<StreamPodDeleted>(m =>
        {
            _pod = m.Pod;
            _podDeleted = true;
            _tail?.Tell(ContainerTail.PodDeleted.Instance);
        });
        Receive<EnsureStream>(ensure =>
        {
            if (ensure.ResourceVersion != _pod?.Metadata?.ResourceVersion)
            {
                Sender.Tell(new NeedPod(_podUid, _container));
            }
        });
        Receive<Terminated>(terminated =>
        {
            if (!terminated.ActorRef.Equals(_tail))
            {
                return;
            }

            _tail = null;
            _ctx.Metrics.EntityStopped();
            if (_podDeleted)
            {
                // Read to its end and gone: its position is of no more use.
                Leave(forget: true, stop: false);
            }
            else
            {
                Become(Ended);
            }
        });
        Receive<HandOff>(_ => Leave(forget: false, stop: true));
        Receive<StreamNotWanted>(_ => Leave(forget: false, stop: false));
        CommonMessages();
    }

    /// <summary>The tail ended on its own while the pod exists: a newer pod (a restart) starts it again.</summary>
    private void Ended()
    {
        Receive<StreamPod>(m =>
        {
            if (m.Pod.Metadata?.ResourceVersion != _pod?.Metadata?.ResourceVersion)
            {
                _pod = m.Pod;
                StartTail();
            }
        });
        Receive<StreamPodDeleted>(_ =>
        {
            _podDeleted = true;
            Leave(forget: true, stop: false);
        });
        Receive<EnsureStream>(_ => { });
        Receive<HandOff>(_ => Leave(forget: false, stop: true));
        Receive<StreamNotWanted>(_ => Leave(forget: false, stop: false));
        CommonMessages();
    }

    /// <summary>
    /// Stop reading, let the batcher settle what it holds of the stream, release the position; then stop (a
    /// hand-off) or passivate (the stream ended or is no longer wanted).
    /// </summary>
    private void Leave(bool forget, bool stop)
    {
        if (_leaving)
        {
            return;
        }

        _leaving = true;
        var started = Time.GetTimestamp();
        var deadline = _ctx.HandOffTimeout;
        Become(Leaving);
        var self = Self;
        var tail = _tail;
        var outcome = forget ? "ended" : stop ? "handed-over" : "released";

        async Task Run()
        {
            if (tail is not null)
            {
                try
                {
                    await tail.GracefulStop(deadline).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TaskCanceledException or AskTimeoutException or TimeoutException)
                {
                }
            }

            var remaining = Remaining(started, deadline);
            Batcher.StreamsFlushed? flushed = null;
            try
            {
                flushed = await _ctx.Batcher.Ask<Batcher.StreamsFlushed>(new Batcher.FlushStreams(_podUid, _container, remaining), remaining + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
            {
            }

            StreamOwnership.StreamReleased? released = null;
            try
            {
                var left = Remaining(started, deadline);
                released = await _ctx.Positions.Ask<StreamOwnership.StreamReleased>(
                    new StreamOwnership.ReleaseStream(_podUid, _container, forget && flushed is { ChunksLeft: 0 }),
                    left > TimeSpan.FromSeconds(2) ? left : TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
            {
            }

            var clean = flushed is { ChunksLeft: 0 } && released is { Saved: true };
            var result = clean ? outcome : outcome + "-unsaved";
            _ctx.Metrics.HandOver(result);
            if (stop)
            {
                var took = Time.GetElapsedTime(started);
                LogHandedOver(Log, _podUid, _container, flushed?.ChunksLeft ?? -1, released?.Saved ?? false, took);
            }
        }

        _leaveStop = stop;
        Run().PipeTo(self, success: () => new Released(null), failure: _ => new Released(null));
        if (tail is not null)
        {
            _ctx.Metrics.EntityStopped();
            _tail = null;
        }
    }

    private bool _leaveStop;

    private void Leaving()
    {
        Receive<Released>(_ =>
        {
            if (_leaveStop)
            {
                Context.Stop(Self);
            }
            else
            {
                Passivate();
            }
        });
        Receive<HandOff>(_ => _leaveStop = true);
        Receive<Terminated>(_ => { });
        Receive<StreamPod>(_ => { });
        Receive<StreamPodDeleted>(_ => { });
        Receive<EnsureStream>(_ => { });
        Receive<StreamNotWanted>(_ => { });
        CommonMessages();
    }

    private void CommonMessages()
    {
        Receive<GetEntityStatus>(_ => Sender.Tell(new EntityStatus(_podUid, _container, _tail is not null, _tail)));
        Receive<StopEntity>(_ => Context.Stop(Self));
    }

    private void Passivate()
    {
        Become(Passivating);
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
    }

    /// <summary>Passivating: the shard buffers new messages and answers with <see cref="StopEntity"/>.</summary>
    private void Passivating()
    {
        Receive<StopEntity>(_ => Context.Stop(Self));
        Receive<HandOff>(_ => Context.Stop(Self));
        ReceiveAny(_ => { });
    }

    private TimeSpan Remaining(long started, TimeSpan deadline)
    {
        var left = deadline - Time.GetElapsedTime(started);
        return left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100);
    }

    protected override void PostStop()
    {
        if (_tail is not null)
        {
            _ctx.Metrics.EntityStopped();
        }
    }

    /// <summary>The message the shard sends back after <see cref="Passivate"/>.</summary>
    internal sealed record StopEntity
    {
        public static readonly StopEntity Instance = new();
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Following {Namespace}/{Pod}/{Container} on this node")]
    private static partial void LogFollowing(ILogger logger, string @namespace, string pod, string container);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Handed {PodUid}/{Container} over: {ChunksLeft} chunks left unsettled, position saved = {Saved}, in {Took}")]
    private static partial void LogHandedOver(ILogger logger, string podUid, string container, int chunksLeft, bool saved, TimeSpan took);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Could not read the position of {PodUid}/{Container}; not following it until it can be read")]
    private static partial void LogAcquireFailed(ILogger logger, Exception error, string podUid, string container);
}

/// <summary>What every stream entity of a node shares: that node's tail context, labeler, batcher and positions.</summary>
/// <param name="Positions">The node's positions keeper, answering <see cref="StreamOwnership"/> as well.</param>
/// <param name="HandOffTimeout">Time a hand-over has to settle the stream's lines and save its position.</param>
public sealed record StreamEntityContext(
    TailContext Tail,
    StreamLabeler Labeler,
    IActorRef Batcher,
    IActorRef Positions,
    TimeSpan HandOffTimeout,
    ClusterMetrics Metrics);

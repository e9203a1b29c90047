using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using Akka.Actor;

namespace ActorLoki.Shipper.Tailing;

/// <summary>Starting: the saved position is asked for, then the instances to read are planned.</summary>
public sealed partial class ContainerTail
{
    /// <summary>Waiting for the saved position before the first open.</summary>
    private void Starting()
    {
        Receive<AskPosition>(_ => AskForPosition());
        Receive<Begin>(begin => ReferenceEquals(begin.Incarnation, _incarnation), OnBegin);
        Receive<BeginFailed>(failed => ReferenceEquals(failed.Incarnation, _incarnation), failed =>
        {
            // The keeper is busy loading or saving: ask again rather than start without a position.
            LogPositionUnavailable(Log, failed.Error, _id.Namespace, _id.Pod, _id.Container);
            Timers.StartSingleTimer(BeginTimer, AskPosition.Instance, TimeSpan.FromSeconds(1));
        });
        CommonHandlers();
    }

    private void AskForPosition()
    {
        var incarnation = _incarnation;
        var key = new StreamKey(_id.PodUid, _id.Container, Math.Max(0, Status(_pod)?.RestartCount ?? 0));
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
    /// The instance <see cref="_read"/> is read to its end (or is lost): go on to the newer instances the
    /// kubelet still serves — the previous one (when it is not ours) from its start, then the newest — or
    /// wait for the next one.
    /// </summary>
    private void Advance()
    {
        var view = ContainerInstances.Of(Status(_pod));
        var read = _read;
        if (read is not null && (view.IsNewest(read.ContainerId, read.Number) || !view.NewestStarted))
        {
            if (_podDeleted)
            {
                Context.Stop(Self);
                return;
            }

            Become(Idle);
            return;
        }

        var previousIsNewer = view.HasPrevious && !view.IsPrevious(read?.ContainerId, read?.Number ?? 0) && (read is null || view.PreviousNumber > read.Number);
        var first = previousIsNewer ? view.PreviousNumber : view.NewestNumber;
        if (read is not null)
        {
            CountUnseen(first - read.Number - 1);
        }

        if (previousIsNewer)
        {
            Plan(view.PreviousNumber, view.PreviousId, FirstPosition(view.PreviousStartedAt));
        }

        PlanNewestFromStart(view);
        if (_plan.Count == 0)
        {
            Become(Idle);
            return;
        }

        StartNext();
    }

    private void StartReading(PlannedRead read)
    {
        var stream = new StreamInfo(new StreamKey(_id.PodUid, _id.Container, read.Number), _id.Namespace, _id.Pod, _id.Container, _labels.Labels, _labels.Metadata, read.ContainerId);
        _read = new InstanceRead(read.Number, read.ContainerId, stream, read.Position);
        Open();
    }

    /// <summary>The instance is read to its end (or no longer readable): the next one, if any.</summary>
    private void FinishInstance()
    {
        CloseReader();
        StartNext();
    }
}

using ActorLoki.Actors.Event;

namespace ActorLoki.Actors.Pattern;

/// <summary>
/// A parent that restarts its one child with exponential back-off, as Akka.Pattern's BackoffSupervisor:
/// delay = min(max, min·2^n)·(1 + random·randomFactor), n being the restarts since the last reset, and at
/// least the child's <see cref="IRetryAfter.RetryAfter"/> when it failed with one. Messages go to the current
/// child (dead letters while there is none); messages from the child go to the supervisor's parent.
/// Past the strategy's MaxNrOfRetries the supervisor stops itself. Each scheduled restart is published as
/// <see cref="BackoffRestartScheduled"/>.
/// </summary>
public sealed partial class BackoffSupervisor : ActorBase, IWithTimers
{
    private const string StartChildKey = "backoff-start-child";
    private const string ResetKey = "backoff-reset";

    private readonly BackoffOptions _options;
    private IActorRef? _child;
    private string _childKind = "";
    private int _restartCount;
    private Exception? _lastFailure;
    private bool _restartWhenTerminated;

    private BackoffSupervisor(BackoffOptions options) => _options = options;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Actors.Props Props(BackoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Actors.Props.Create(() => new BackoffSupervisor(options));
    }

    /// <summary>min(max, min·2^n)·(1 + random·randomFactor), with a fresh random number.</summary>
    public static TimeSpan CalculateDelay(int restartCount, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor) =>
        CalculateDelay(restartCount, minBackoff, maxBackoff, randomFactor, Random.Shared.NextDouble());

    /// <summary>min(max, min·2^n)·(1 + <paramref name="random"/>·randomFactor), <paramref name="random"/> in [0, 1).</summary>
    public static TimeSpan CalculateDelay(int restartCount, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, double random)
    {
        var capped = restartCount >= 30 ? maxBackoff.Ticks : Math.Min(maxBackoff.Ticks, minBackoff.Ticks * Math.Pow(2, restartCount));
        var ticks = capped * (1.0 + (random * randomFactor));
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }

    protected override void PreStart() => StartChildActor();

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_options.Strategy.MaxNrOfRetries, _options.Strategy.WithinTimeRange, Decide, loggingEnabled: false);

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case Terminated terminated when ReferenceEquals(terminated.ActorRef, _child):
                ChildTerminated();
                return true;
            case StartChild:
                StartChildActor();
                return true;
            case ResetRestartCount reset:
                // A reset armed for an earlier child is stale once the count has moved on.
                if (reset.Current == _restartCount)
                {
                    _restartCount = 0;
                }

                return true;
            case Reset when _options.ResetBackoff is null:
                _restartCount = 0;
                return true;
            case Reset:
                return false;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                return true;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                return true;
            case Terminated:
                return false;
            default:
                Forward(message);
                return true;
        }
    }

    private void Forward(object message)
    {
        if (_child is null)
        {
            Context.System.DeadLetters.Tell(message, Context.Sender);
        }
        else if (ReferenceEquals(Sender, _child))
        {
            Context.Parent.Tell(message, Self);
        }
        else
        {
            _child.Tell(message, Context.Sender);
        }
    }

    private Directive Decide(Exception cause)
    {
        // The child failed, so it was not stable: no reset for it.
        Timers.Cancel(ResetKey);
        var directive = _options.Strategy.Decider(cause);
        if (_options.Mode == BackoffMode.OnFailure && directive == Directive.Restart)
        {
            _lastFailure = cause;
            _restartWhenTerminated = true;
            Log.ChildFailedRestarting(Context.Log, _options.ChildName, cause);
            return Directive.Stop;
        }

        if (directive == Directive.Stop)
        {
            _lastFailure = cause;
        }

        if (_child is not null)
        {
            Cell.LogFailure(_child, cause, directive);
        }

        return directive;
    }

    private void StartChildActor()
    {
        if (_child is not null)
        {
            return;
        }

        var props = _options.ChildProps(_restartCount);
        _childKind = props.ActorType.Name;
        _child = Context.Watch(Context.ActorOf(props, _options.ChildName));
        if (_options.ResetBackoff is { } resetBackoff)
        {
            Timers.StartSingleTimer(ResetKey, new ResetRestartCount(_restartCount), resetBackoff);
        }
    }

    private void ChildTerminated()
    {
        _child = null;
        Timers.Cancel(ResetKey);
        var cause = _lastFailure;
        _lastFailure = null;
        if (_options.Mode == BackoffMode.OnFailure && !_restartWhenTerminated)
        {
            Log.ChildStoppedItself(Context.Log, _options.ChildName);
            Context.Stop(Self);
            return;
        }

        _restartWhenTerminated = false;
        var maxNrOfRetries = _options.Strategy.MaxNrOfRetries;
        if (maxNrOfRetries >= 0 && _restartCount + 1 > maxNrOfRetries)
        {
            Log.GivingUp(Context.Log, _options.ChildName, maxNrOfRetries, cause);
            Context.Stop(Self);
            return;
        }

        var delay = CalculateDelay(_restartCount, _options.MinBackoff, _options.MaxBackoff, _options.RandomFactor);
        if (RetryAfter(cause) is { } retryAfter && retryAfter > delay)
        {
            delay = retryAfter;
        }

        _restartCount++;

        // The timer is armed before the event is published, so whoever reacts to the event finds it running.
        Timers.StartSingleTimer(StartChildKey, StartChild.Instance, delay);
        Context.System.BackoffRestartScheduled(new BackoffRestartScheduled(Self, Self.Path / _options.ChildName, _restartCount, delay, cause), _childKind);
        Log.RestartScheduled(Context.Log, _options.ChildName, _restartCount, delay, cause);
    }

    private static TimeSpan? RetryAfter(Exception? cause)
    {
        for (var error = cause; error is not null; error = error.InnerException)
        {
            if (error is IRetryAfter { RetryAfter: { } retryAfter })
            {
                return retryAfter;
            }
        }

        return null;
    }

    /// <summary>Asks for the current child; the reply is <see cref="CurrentChild"/>.</summary>
    public sealed class GetCurrentChild
    {
        public static readonly GetCurrentChild Instance = new();

        private GetCurrentChild()
        {
        }
    }

    /// <summary>The current child, or null between a stop and the delayed restart.</summary>
    public sealed record CurrentChild(IActorRef? Ref);

    /// <summary>Asks how many restarts happened since the last reset; the reply is <see cref="RestartCount"/>.</summary>
    public sealed class GetRestartCount
    {
        public static readonly GetRestartCount Instance = new();

        private GetRestartCount()
        {
        }
    }

    public sealed record RestartCount(int Count);

    /// <summary>Resets the restart count (only with <see cref="BackoffOptions.WithManualReset"/>), e.g. sent by the child once healthy.</summary>
    public sealed class Reset
    {
        public static readonly Reset Instance = new();

        private Reset()
        {
        }
    }

    internal sealed class StartChild
    {
        public static readonly StartChild Instance = new();

        private StartChild()
        {
        }
    }

    internal sealed record ResetRestartCount(int Current);
}

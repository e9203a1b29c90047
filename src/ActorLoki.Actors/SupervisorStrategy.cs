namespace ActorLoki.Actors;

/// <summary>How a parent handles a failed child. See <see cref="OneForOneStrategy"/>.</summary>
public abstract class SupervisorStrategy
{
    private protected SupervisorStrategy()
    {
    }

    /// <summary>
    /// Akka's default: <see cref="ActorInitializationException"/>, <see cref="ActorKilledException"/> and
    /// <see cref="DeathPactException"/> stop the child; any other exception restarts it.
    /// </summary>
    public static readonly Func<Exception, Directive> DefaultDecider = static cause => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one, unlimited restarts, <see cref="DefaultDecider"/>.</summary>
    public static readonly SupervisorStrategy DefaultStrategy = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops every failing child.</summary>
    public static readonly SupervisorStrategy StoppingStrategy = new OneForOneStrategy(static _ => Directive.Stop);

    public abstract Func<Exception, Directive> Decider { get; }

    /// <summary>Applies the decision; false means escalate.</summary>
    internal abstract bool HandleFailure(ActorCell parent, ChildEntry child, Exception cause);
}

/// <summary>
/// Applies the decider's directive to the failed child only. A restart is allowed at most
/// <see cref="MaxNrOfRetries"/> times within <see cref="WithinTimeRange"/> (-1 and
/// <see cref="Timeout.InfiniteTimeSpan"/> mean unlimited); past that the child is stopped.
/// </summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNrOfRetries, -1);
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider;
        LoggingEnabled = loggingEnabled;
    }

    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, Timeout.InfiniteTimeSpan, decider)
    {
    }

    /// <summary>
    /// A strategy whose decision depends on which child failed as well as why (Akka.NET lets a strategy
    /// subclass see the child; this is the same, without the subclass).
    /// </summary>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<IActorRef, Exception, Directive> childDecider, bool loggingEnabled = true)
        : this(maxNrOfRetries, withinTimeRange, DefaultDecider, loggingEnabled)
    {
        ArgumentNullException.ThrowIfNull(childDecider);
        _childDecider = childDecider;
    }

    private readonly Func<IActorRef, Exception, Directive>? _childDecider;

    public int MaxNrOfRetries { get; }

    public TimeSpan WithinTimeRange { get; }

    public bool LoggingEnabled { get; }

    public override Func<Exception, Directive> Decider { get; }

    public OneForOneStrategy WithMaxNrOfRetries(int maxNrOfRetries) =>
        _childDecider is null ? new(maxNrOfRetries, WithinTimeRange, Decider, LoggingEnabled) : new(maxNrOfRetries, WithinTimeRange, _childDecider, LoggingEnabled);

    internal override bool HandleFailure(ActorCell parent, ChildEntry child, Exception cause)
    {
        var directive = _childDecider?.Invoke(child.Ref, cause) ?? Decider(cause);
        if (directive == Directive.Escalate)
        {
            return false;
        }

        if (directive == Directive.Restart
            && !child.Stats.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, parent.System.Settings.TimeProvider))
        {
            directive = Directive.Stop;
        }

        if (LoggingEnabled)
        {
            parent.LogFailure(child.Ref, cause, directive);
        }

        switch (directive)
        {
            case Directive.Resume:
                child.Ref.SendSystemMessage(new Dispatch.Resume(cause));
                break;
            case Directive.Restart:
                child.Ref.SendSystemMessage(new Dispatch.Recreate(cause));
                break;
            default:
                parent.Stop(child.Ref);
                break;
        }

        return true;
    }
}

/// <summary>Restart bookkeeping of one child, as Akka's ChildRestartStats.</summary>
internal sealed class ChildRestartStats
{
    private int _retries;
    private long _windowStart;
    private bool _windowStarted;

    public bool RequestRestartPermission(int maxNrOfRetries, TimeSpan window, TimeProvider time)
    {
        if (maxNrOfRetries == 0)
        {
            return false;
        }

        var unlimitedWindow = window == Timeout.InfiniteTimeSpan || window <= TimeSpan.Zero;
        if (unlimitedWindow)
        {
            return maxNrOfRetries < 0 || ++_retries <= maxNrOfRetries;
        }

        // A window with no explicit limit allows one restart per window, as in Akka.
        var allowed = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var now = time.GetTimestamp();
        if (!_windowStarted)
        {
            _windowStarted = true;
            _windowStart = now;
        }

        _retries++;
        if (time.GetElapsedTime(_windowStart, now) <= window)
        {
            return _retries <= allowed;
        }

        _retries = 1;
        _windowStart = now;
        return true;
    }
}

namespace ActorLoki.Actors.Pattern;

/// <summary>Builds <see cref="BackoffOptions"/> for <see cref="BackoffSupervisor.Props(BackoffOptions)"/>, as Akka.Pattern.Backoff.</summary>
public static class Backoff
{
    /// <summary>
    /// The child is restarted with back-off when it fails (a Restart decision of the strategy becomes a stop
    /// followed by a delayed start). If the child stops on its own, the supervisor stops too.
    /// </summary>
    public static BackoffOptions OnFailure(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, int maxNrOfRetries = -1)
    {
        ArgumentNullException.ThrowIfNull(childProps);
        return OnFailure(_ => childProps, childName, minBackoff, maxBackoff, randomFactor, maxNrOfRetries);
    }

    /// <summary>As above; <paramref name="childProps"/> receives how many restarts preceded the child (0 after a reset).</summary>
    public static BackoffOptions OnFailure(Func<int, Props> childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, int maxNrOfRetries = -1) =>
        new BackoffOptions(BackoffMode.OnFailure, childProps, childName, minBackoff, maxBackoff, randomFactor).WithMaxNrOfRetries(maxNrOfRetries);

    /// <summary>
    /// The child is restarted with back-off when it stops (on its own, or because the strategy stopped it;
    /// failures the strategy restarts are restarted at once, as in Akka).
    /// </summary>
    public static BackoffOptions OnStop(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, int maxNrOfRetries = -1)
    {
        ArgumentNullException.ThrowIfNull(childProps);
        return OnStop(_ => childProps, childName, minBackoff, maxBackoff, randomFactor, maxNrOfRetries);
    }

    /// <summary>As above; <paramref name="childProps"/> receives how many restarts preceded the child (0 after a reset).</summary>
    public static BackoffOptions OnStop(Func<int, Props> childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, int maxNrOfRetries = -1) =>
        new BackoffOptions(BackoffMode.OnStop, childProps, childName, minBackoff, maxBackoff, randomFactor).WithMaxNrOfRetries(maxNrOfRetries);
}

public enum BackoffMode
{
    OnFailure,
    OnStop,
}

/// <summary>Settings of a <see cref="BackoffSupervisor"/>. The restart count resets automatically after <c>minBackoff</c> of stability unless changed.</summary>
public sealed record BackoffOptions
{
    internal BackoffOptions(BackoffMode mode, Func<int, Props> childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor)
    {
        ArgumentNullException.ThrowIfNull(childProps);
        ArgumentException.ThrowIfNullOrEmpty(childName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBackoff, minBackoff);
        if (randomFactor is < 0.0 or > 1.0 || double.IsNaN(randomFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(randomFactor), randomFactor, "The random factor must be between 0 and 1.");
        }

        Mode = mode;
        ChildProps = childProps;
        ChildName = childName;
        MinBackoff = minBackoff;
        MaxBackoff = maxBackoff;
        RandomFactor = randomFactor;
        ResetBackoff = minBackoff;
    }

    public BackoffMode Mode { get; }

    /// <summary>The child's Props, given the number of restarts that preceded it.</summary>
    public Func<int, Props> ChildProps { get; }

    public string ChildName { get; }

    public TimeSpan MinBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public double RandomFactor { get; }

    /// <summary>Stability after which the restart count resets; null means only <see cref="BackoffSupervisor.Reset"/> resets it.</summary>
    public TimeSpan? ResetBackoff { get; private init; }

    /// <summary>Decides what a child failure means; its <c>MaxNrOfRetries</c> bounds the back-off restarts (-1: unlimited).</summary>
    public OneForOneStrategy Strategy { get; private init; } = new(SupervisorStrategy.DefaultDecider);

    public BackoffOptions WithAutoReset(TimeSpan resetBackoff)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resetBackoff, TimeSpan.Zero);
        return this with { ResetBackoff = resetBackoff };
    }

    public BackoffOptions WithManualReset() => this with { ResetBackoff = null };

    public BackoffOptions WithSupervisorStrategy(OneForOneStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return this with { Strategy = strategy };
    }

    /// <summary>Every failure stops the child (so OnStop restarts it with back-off).</summary>
    public BackoffOptions WithDefaultStoppingStrategy() =>
        this with { Strategy = new OneForOneStrategy(Strategy.MaxNrOfRetries, Strategy.WithinTimeRange, static _ => Directive.Stop) };

    public BackoffOptions WithMaxNrOfRetries(int maxNrOfRetries) => this with { Strategy = Strategy.WithMaxNrOfRetries(maxNrOfRetries) };
}

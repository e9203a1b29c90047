using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Actors;

/// <summary>Settings of an <see cref="ActorSystem"/> (reference.conf: <c>actorloki.actors</c>).</summary>
public sealed record ActorSystemSettings
{
    public static readonly ActorSystemSettings Default = new();

    /// <summary>The clock of timers, back-off, Ask timeouts and the termination deadline.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Where the <c>ActorLoki.Actors</c> meter is created; null creates a plain <see cref="Meter"/>.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Messages an actor handles before it yields its thread to other actors.</summary>
    public int Throughput { get; init; } = 100;

    /// <summary>Capacity of a bounded mailbox whose Props give none.</summary>
    public int DefaultMailboxCapacity { get; init; } = 10_000;

    /// <summary>The mailbox of actors whose Props name none.</summary>
    public MailboxOptions DefaultMailbox { get; init; } = MailboxOptions.Unbounded;

    /// <summary>How long <see cref="ActorSystem.Terminate"/> waits for the tree to stop before it gives up.</summary>
    public TimeSpan TerminationDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The strategy of <c>/user</c> for top-level actors.</summary>
    public SupervisorStrategy GuardianSupervisorStrategy { get; init; } = SupervisorStrategy.DefaultStrategy;

    internal ActorSystemSettings Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Throughput, 1, nameof(Throughput));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultMailboxCapacity, 1, nameof(DefaultMailboxCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TerminationDeadline, TimeSpan.Zero, nameof(TerminationDeadline));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(LoggerFactory);
        ArgumentNullException.ThrowIfNull(DefaultMailbox);
        ArgumentNullException.ThrowIfNull(GuardianSupervisorStrategy);
        return this;
    }
}

using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Actor.Setup;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// What ActorLoki's actors take from outside Akka: the loggers (ActorLoki's own events keep their ids and
/// go through Microsoft.Extensions.Logging), the clock, the meters, and the inspection registry behind
/// <c>/debug/actors</c> and the actor metrics. One per actor system, as an Akka extension.
/// </summary>
public sealed class ActorServices : IExtension
{
    internal ActorServices(ActorSystem system, ActorServicesSetup setup)
    {
        LoggerFactory = setup.LoggerFactory ?? NullLoggerFactory.Instance;

        // Without a clock of its own the system's scheduler is the clock, so that TestKit's TestScheduler
        // moves timers and "now" together in tests.
        Time = setup.TimeProvider ?? new SchedulerTimeProvider(system.Scheduler);
        Inspection = new ActorInspection(setup.MeterFactory);
    }

    public ILoggerFactory LoggerFactory { get; }

    public TimeProvider Time { get; }

    public ActorInspection Inspection { get; }

    /// <summary>Installs the services of <paramref name="system"/>; a second call returns the first ones, unchanged.</summary>
    public static ActorServices Install(ActorSystem system, ActorServicesSetup setup)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(setup);
        return (ActorServices)system.RegisterExtension(new Provider(setup));
    }

    /// <summary>The services of <paramref name="system"/>: those installed, else those of its setup, else defaults.</summary>
    public static ActorServices Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        if (system.GetExtension<ActorServices>() is { } installed)
        {
            return installed;
        }

        var setup = system.Settings.Setup.Get<ActorServicesSetup>();
        return Install(system, setup.HasValue ? setup.Value : new ActorServicesSetup());
    }

    private sealed class Provider(ActorServicesSetup setup) : ExtensionIdProvider<ActorServices>
    {
        public override ActorServices CreateExtension(ExtendedActorSystem system) => new(system, setup);
    }
}

/// <summary>The parts of <see cref="ActorServices"/> a caller chooses; each may be left out.</summary>
public sealed class ActorServicesSetup : Setup
{
    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider? TimeProvider { get; init; }

    public IMeterFactory? MeterFactory { get; init; }
}

/// <summary>A <see cref="TimeProvider"/> reading the clock of an Akka scheduler (virtual under TestKit's TestScheduler).</summary>
public sealed class SchedulerTimeProvider(IScheduler scheduler) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => scheduler.Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => scheduler.Now.UtcTicks;
}

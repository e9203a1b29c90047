using ActorLoki.Shipper.Actors;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.TestKit;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests;

/// <summary>
/// Akka.TestKit for ActorLoki's actors: optionally on virtual time (Akka's TestScheduler, which also drives
/// the actors' clock), with ActorLoki's loggers going where the test wants them.
/// </summary>
public abstract class ShipperTestKit(bool virtualTime = false, ILoggerFactory? loggers = null, ITestOutputHelper? output = null, string config = "")
    : Akka.TestKit.Xunit2.TestKit(Setup(virtualTime, loggers, config), "test", output)
{
    /// <summary>The virtual clock and timers (only with virtual time).</summary>
    protected TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>The clock the actors read.</summary>
    protected TimeProvider Time => ActorServices.Get(Sys).Time;

    private static ActorSystemSetup Setup(bool virtualTime, ILoggerFactory? loggers, string config) =>
        BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString(config + "\n" + (virtualTime ? "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"" : "")))
            .And(new ActorServicesSetup { LoggerFactory = loggers });
}

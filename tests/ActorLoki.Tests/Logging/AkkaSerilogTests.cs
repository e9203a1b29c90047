using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Settings;
using Akka.Actor;
using Akka.Event;
using Serilog.Core;
using Serilog.Events;
using LogEvent = Serilog.Events.LogEvent;

namespace ActorLoki.Tests.Logging;

/// <summary>Akka's own log events reach Serilog (Akka.Logger.Serilog, as the executable configures it) with the actor path.</summary>
[Collection(GlobalSerilogLogger.Name)]
public sealed class AkkaSerilogTests
{
    [Fact]
    public async Task An_actors_Akka_log_event_reaches_Serilog_with_its_actor_path()
    {
        var sink = new CollectingSink();
        var previous = Serilog.Log.Logger;
        Serilog.Log.Logger = new Serilog.LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
        try
        {
            var config = ShipperAkkaConfig.Build(ActorLokiSettings.Default, ShipperAkkaConfig.SerilogLogger);
            var system = ActorSystem.Create("serilog-test", config);
            try
            {
                var actor = system.ActorOf(Props.Create(() => new Talker()), "talker");
                actor.Tell("hello");
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!sink.Events.Any(e => e.MessageTemplate.Text.Contains("said", StringComparison.Ordinal)))
                {
                    await Task.Delay(20, cancel.Token);
                }
            }
            finally
            {
                await system.Terminate();
            }
        }
        finally
        {
            Serilog.Log.Logger = previous;
        }

        var said = sink.Events.First(e => e.MessageTemplate.Text.Contains("said", StringComparison.Ordinal));
        said.Level.Should().Be(LogEventLevel.Warning);
        said.Properties["ActorPath"].ToString().Should().Contain("/user/talker");
        said.Properties.Should().ContainKey("Word", "Akka's message template keeps its properties (SerilogLogMessageFormatter)");
    }

    private sealed class Talker : ReceiveActor
    {
        public Talker()
        {
            var log = Context.GetLogger();
            Receive<string>(word => log.Warning("The talker said {Word}", word));
        }
    }

    private sealed class CollectingSink : ILogEventSink
    {
        private readonly List<LogEvent> _events = [];

        public IReadOnlyList<LogEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public void Emit(LogEvent logEvent)
        {
            lock (_events)
            {
                _events.Add(logEvent);
            }
        }
    }
}

/// <summary>Tests that set Serilog's global logger run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalSerilogLogger
{
    public const string Name = "Serilog's global logger";
}

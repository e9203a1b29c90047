using System.Diagnostics.Metrics;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class SnapshotTests : TestKit
{
    private sealed class Switcher : ReceiveActor
    {
        public Switcher()
        {
            Context.ActorOf(Props.Create(() => new EchoActor()), "api-7f9.app");
            Receive<string>(s => s == "follow", _ =>
            {
                Become(Following);
                Sender.Tell("ok");
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException());
        }

        private void Following() => Receive<string>(s => Sender.Tell(s));
    }

    [Fact]
    public async Task The_tree_snapshot_shows_paths_types_behaviours_and_restarts()
    {
        var ns = Sys.ActorOf(Props.Create(() => new Switcher()), "ns-dev1");
        ns.Tell("fail");
        (await ns.Ask<string>("follow", TimeSpan.FromSeconds(3))).Should().Be("ok");

        var tree = Sys.GetActorTree();

        tree.Path.Should().Be("/user");
        var node = tree.Children.Should().ContainSingle().Subject;
        node.Path.Should().Be("/user/ns-dev1");
        node.ActorType.Should().Be(nameof(Switcher));
        node.Behavior.Should().Be("Following");
        node.RestartCount.Should().Be(1);
        node.MailboxDepth.Should().Be(0);
        var child = node.Children.Should().ContainSingle().Subject;
        child.Path.Should().Be("/user/ns-dev1/api-7f9.app");
        child.Behavior.Should().Be("Receive");
    }

    [Fact]
    public async Task Gauges_report_live_actors_and_restarts_by_kind()
    {
        var gauges = new List<(string Name, int Value, string? Kind)>();
        var restarts = new List<(long Value, string? Kind)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorLoki.Actors")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => gauges.Add((instrument.Name, value, Kind(tags))));
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "actorloki_actor_restarts")
            {
                lock (restarts)
                {
                    restarts.Add((value, Kind(tags)));
                }
            }
        });
        listener.Start();
        var ns = Sys.ActorOf(Props.Create(() => new Switcher()), "ns-dev1");
        ns.Tell("fail");
        await ns.Ask<string>("follow", TimeSpan.FromSeconds(3));
        listener.RecordObservableInstruments();

        gauges.Should().Contain(("actorloki_actors", 1, nameof(Switcher)));
        gauges.Should().Contain(("actorloki_actors", 1, nameof(EchoActor)));
        gauges.Should().Contain(g => g.Name == "actorloki_mailbox_depth" && g.Kind == nameof(Switcher));

        await AwaitAssertAsync(() =>
        {
            lock (restarts)
            {
                restarts.Should().Contain((1L, nameof(Switcher)));
            }
        });
    }

    private static string? Kind(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "kind")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}

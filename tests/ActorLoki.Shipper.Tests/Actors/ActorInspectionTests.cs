using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Settings;
using Akka.Actor;

namespace ActorLoki.Shipper.Tests.Actors;

/// <summary>What /debug/actors and the actor metrics are built from, on a system configured as the shipper's.</summary>
public sealed class ActorInspectionTests() : ShipperTestKit(config: ShipperAkkaConfig.Build(ActorLokiSettings.Default).ToString(includeFallback: false))
{
    private ActorInspection Inspection => ActorServices.Get(Sys).Inspection;

    private ActorSnapshot Find(string path)
    {
        static IEnumerable<ActorSnapshot> All(ActorSnapshot s) => s.Children.SelectMany(All).Prepend(s);
        return All(Inspection.Snapshot()).Single(s => s.Path == path);
    }

    [Fact]
    public async Task The_tree_shows_each_actor_with_its_kind_behaviour_mailbox_depth_and_restarts()
    {
        var gate = new TaskCompletionSource();
        var parent = Sys.ActorOf(Props.Create(() => new Probed(gate.Task)), "parent");
        parent.Tell("child", TestActor);
        var child = await ExpectMsgAsync<IActorRef>();

        parent.Tell("block");
        for (var i = 0; i < 5; i++)
        {
            parent.Tell("queued");
        }

        await AwaitAssertAsync(() => Find("/user/parent").MailboxDepth.Should().Be(5));
        var snapshot = Find("/user/parent");
        snapshot.ActorType.Should().Be(nameof(Probed));
        snapshot.Children.Select(c => c.Path).Should().Equal("/user/parent/child");
        gate.SetResult();
        await AwaitAssertAsync(() => Find("/user/parent").MailboxDepth.Should().Be(0));

        parent.Tell("become");
        await AwaitAssertAsync(() => Find("/user/parent").Behavior.Should().Be(nameof(Probed.Other)));

        child.Tell("fail");
        await AwaitAssertAsync(() => Find("/user/parent/child").RestartCount.Should().Be(1));
        Find("/user/parent/child").Behavior.Should().Be("Receive", "a restarted actor starts in its first behaviour");

        Watch(child);
        Sys.Stop(child);
        await ExpectTerminatedAsync(child);
        await AwaitAssertAsync(() => Find("/user/parent").Children.Should().BeEmpty("a stopped actor's mailbox leaves the registry"));
    }

    [Fact]
    public void The_shippers_mailboxes_never_block_a_sender_and_survive_a_user_akka_section()
    {
        var settings = ActorLokiSettings.Default with
        {
            AkkaConfig = "akka { loglevel = DEBUG, actor.default-mailbox.mailbox-type = \"Akka.Dispatch.BoundedMailbox\", coordinated-shutdown.run-by-clr-shutdown-hook = on }",
        };
        var config = ShipperAkkaConfig.Build(settings);

        config.GetString("akka.loglevel").Should().Be("DEBUG", "the user's akka section is applied");
        config.GetString("akka.actor.default-mailbox.mailbox-type").Should().Be(typeof(InspectedMailbox).AssemblyQualifiedName);
        config.GetString("akka.actor.mailbox.unbounded-deque-based.mailbox-type").Should().Be(typeof(InspectedMailbox).AssemblyQualifiedName);
        config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook").Should().BeFalse("the host, not the CLR hook, shuts down (the drain comes first)");
        ShipperAkkaConfig.Build(settings with { AkkaConfig = "loglevel = WARNING" }).GetString("akka.loglevel").Should().Be("WARNING", "the section may come without its akka { }");
    }

    [Fact]
    public async Task Messages_to_a_stopped_actor_are_counted_as_dead_letters()
    {
        var counted = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorInspection.MeterName && instrument.Name == "actorloki_dead_letters")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        DeadLetterCounter.Start(Sys);

        var actor = Sys.ActorOf(Props.Create(() => new Probed(Task.CompletedTask)), "doomed");
        Watch(actor);
        Sys.Stop(actor);
        await ExpectTerminatedAsync(actor);
        actor.Tell("too late");

        await AwaitAssertAsync(() => Interlocked.Read(ref counted).Should().BeGreaterThanOrEqualTo(1));
    }

    private sealed class Probed : ShipperActor
    {
        public Probed(Task gate)
        {
            Receive<string>(m => m == "child", _ => Sender.Tell(Context.ActorOf(Props.Create(() => new Probed(Task.CompletedTask)), "child")));
            ReceiveAsync<string>(m => m == "block", _ => gate);
            Receive<string>(m => m == "become", _ => Become(Other));
            Receive<string>(m => m == "fail", _ => throw new InvalidOperationException("test failure"));
            Receive<string>(_ => { });
        }

        public void Other() => Receive<string>(_ => { });
    }
}

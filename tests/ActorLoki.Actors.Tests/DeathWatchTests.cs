using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class DeathWatchTests : TestKit
{
    [Fact]
    public async Task Every_watcher_gets_Terminated()
    {
        var target = Sys.ActorOf(Props.Create(() => new EchoActor()), "target");
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        first.Watch(target);
        second.Watch(target);
        await Sync(first);
        await Sync(second);

        Sys.Stop(target);

        (await first.ExpectMsgAsync<Terminated>()).ActorRef.Should().BeSameAs(target);
        (await second.ExpectMsgAsync<Terminated>()).ActorRef.Should().BeSameAs(target);
    }

    [Fact]
    public async Task Watching_an_already_dead_actor_delivers_Terminated_at_once()
    {
        var target = Sys.ActorOf(Props.Create(() => new EchoActor()));
        await target.GracefulStop(TimeSpan.FromSeconds(3));

        var late = CreateTestProbe();
        (await late.ExpectTerminatedAsync(target)).ActorRef.Should().BeSameAs(target);
    }

    [Fact]
    public async Task The_dead_actor_messages_arrive_before_its_Terminated()
    {
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(TestActor)), "watcher");
        watcher.Tell("start");

        await ExpectMsgAsync("last words");
        await ExpectMsgAsync("terminated");
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef probe)
        {
            Receive<string>(s => s == "start", _ =>
            {
                var child = Context.Watch(Context.ActorOf(Props.Create(() => new LastWords())));
                child.Tell("speak");
            });
            Receive<string>(s => probe.Tell(s));
            Receive<Terminated>(_ => probe.Tell("terminated"));
        }
    }

    private sealed class LastWords : ReceiveActor
    {
        public LastWords() => Receive<string>(_ =>
        {
            Context.Parent.Tell("last words");
            Context.Stop(Self);
        });
    }

    [Fact]
    public async Task Unwatch_drops_a_Terminated_already_queued()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Unwatcher(TestActor)));
        actor.Tell("go");

        await ExpectMsgAsync("unwatched");
        await ExpectNoMsgAsync();
    }

    private sealed class Unwatcher : ReceiveActor
    {
        public Unwatcher(IActorRef probe)
        {
            ReceiveAsync<string>(async _ =>
            {
                var child = Context.Watch(Context.ActorOf(Props.Create(() => new EchoActor())));
                Context.Stop(child);
                // Wait until the Terminated is queued behind this handler, then unwatch.
                await child.GracefulStop(TimeSpan.FromSeconds(3));
                await Task.Yield();
                Context.Unwatch(child);
                probe.Tell("unwatched");
            });
            Receive<Terminated>(_ => probe.Tell("terminated"));
        }
    }

    [Fact]
    public async Task WatchWith_delivers_the_custom_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new CustomWatcher(TestActor)));
        actor.Tell("go");

        await ExpectMsgAsync("child gone");
    }

    private sealed class CustomWatcher : ReceiveActor
    {
        public CustomWatcher(IActorRef probe)
        {
            Receive<string>(s => s == "go", _ =>
            {
                var child = Context.WatchWith(Context.ActorOf(Props.Create(() => new EchoActor())), "child gone");
                Context.Stop(child);
            });
            Receive<string>(s => probe.Tell(s));
        }
    }

    [Fact]
    public async Task An_unhandled_Terminated_is_a_death_pact()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Pact()));
        Watch(actor);
        await Sync(Probe);

        actor.Tell("go");

        await ExpectTerminatedAsync(actor);
    }

    private sealed class Pact : ReceiveActor
    {
        public Pact() => Receive<string>(_ => Context.Stop(Context.Watch(Context.ActorOf(Props.Create(() => new EchoActor())))));
    }

    /// <summary>A round trip through the probe actor: its earlier commands (Watch) have been handled.</summary>
    private static async Task Sync(TestProbe probe)
    {
        probe.Ref.Tell("sync", probe.Ref);
        await probe.ExpectMsgAsync("sync");
    }
}

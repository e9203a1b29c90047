using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class StashTests : TestKit
{
    private sealed class Gatekeeper : ReceiveActor, IWithStash
    {
        private readonly IActorRef _probe;

        public Gatekeeper(IActorRef probe)
        {
            _probe = probe;
            Become(Closed);
        }

        public IStash Stash { get; set; } = null!;

        private void Closed()
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(Open);
                Stash.UnstashAll();
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            ReceiveAny(_ => Stash.Stash());
        }

        private void Open()
        {
            Receive<string>(s => s == "close", _ => Become(Closed));
            ReceiveAny(m => _probe.Tell(m));
        }
    }

    [Fact]
    public async Task Stashed_messages_come_back_in_order_after_a_behaviour_switch()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Gatekeeper(TestActor)));

        actor.Tell(1);
        actor.Tell(2);
        await ExpectNoMsgAsync();
        actor.Tell("open");
        actor.Tell(3);

        await ExpectMsgAsync(1);
        await ExpectMsgAsync(2);
        await ExpectMsgAsync(3);
    }

    [Fact]
    public async Task The_stash_is_put_back_into_the_mailbox_on_restart()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Gatekeeper(TestActor)));

        actor.Tell(1);
        actor.Tell("fail");
        actor.Tell("open");

        // The fresh instance starts Closed again and stashes 1 anew; "open" releases it.
        await ExpectMsgAsync(1);
    }

    [Fact]
    public async Task Stashed_messages_go_to_dead_letters_when_the_actor_stops()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Event.DeadLetter));
        var actor = Sys.ActorOf(Props.Create(() => new Gatekeeper(TestActor)));

        actor.Tell(7);
        Sys.Stop(actor);

        var dead = await ExpectMsgAsync<Event.DeadLetter>();
        dead.Message.Should().Be(7);
        dead.Recipient.Should().BeSameAs(actor);
    }
}

using ActorLoki.Actors.Event;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class MessagingTests : TestKit
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    private sealed class Counter : ReceiveActor
    {
        private int _count;

        public Counter()
        {
            Receive<string>(s => s == "get", _ => Sender.Tell(_count));
            Receive<string>(_ => _count++);
        }
    }

    private sealed class Sender1(IActorRef target, int count) : ActorBase
    {
        protected override void PreStart()
        {
            for (var i = 0; i < count; i++)
            {
                target.Tell(i);
            }
        }

        protected override bool Receive(object message) => false;
    }

    [Fact]
    public async Task Messages_from_one_sender_arrive_in_the_order_they_were_sent()
    {
        var log = new List<(string, int)>();
        var done = new TaskCompletionSource();
        const int PerSender = 2_000;
        const int Senders = 4;
        var sink = Sys.ActorOf(Props.Create(() => new Collector(log, Senders * PerSender, done)), "sink");
        for (var s = 0; s < Senders; s++)
        {
            Sys.ActorOf(Props.Create(() => new Sender1(sink, PerSender)), $"sender-{s}");
        }

        await done.Task.WaitAsync(TestKitSettings.DefaultTimeout);

        foreach (var group in log.GroupBy(e => e.Item1))
        {
            group.Select(e => e.Item2).Should().Equal(Enumerable.Range(0, PerSender), $"messages of {group.Key} keep their order");
        }
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(List<(string, int)> log, int expected, TaskCompletionSource done) =>
            Receive<int>(n =>
            {
                log.Add((Sender.Path.Name, n));
                if (log.Count == expected)
                {
                    done.SetResult();
                }
            });
    }

    [Fact]
    public async Task Tell_inside_an_actor_uses_the_actor_as_implicit_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        var forwarder = Sys.ActorOf(Props.Create(() => new Forwarder(echo, TestActor)), "forwarder");

        forwarder.Tell("ping");

        (await ExpectMsgAsync<string>()).Should().Be("ping");
        Probe.LastSender.Should().BeSameAs(forwarder, "the forwarder told the echo with its implicit sender and relayed the reply");
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef echo, IActorRef probe)
        {
            Receive<string>(m => ReferenceEquals(Sender, echo), m => probe.Tell(m));
            Receive<string>(m => echo.Tell(m));
        }
    }

    [Fact]
    public async Task Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        var relay = Sys.ActorOf(Props.Create(() => new Relay(echo)));

        relay.Tell("hello", TestActor);

        await ExpectMsgAsync("hello");
        Probe.LastSender.Should().BeSameAs(echo);
    }

    private sealed class Relay : ReceiveActor
    {
        public Relay(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }

    [Fact]
    public async Task Unhandled_messages_are_published_and_do_not_stop_the_actor()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var counter = Sys.ActorOf(Props.Create(() => new Counter()), "counter");

        counter.Tell(42, TestActor);
        var unhandled = await ExpectMsgAsync<UnhandledMessage>();
        unhandled.Message.Should().Be(42);
        unhandled.Recipient.Should().BeSameAs(counter);

        counter.Tell("a");
        counter.Tell("get", TestActor);
        (await ExpectMsgAsync<int>()).Should().Be(1);
    }

    [Fact]
    public async Task Messages_to_a_stopped_actor_become_dead_letters()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        await ExpectTerminatedAsync(echo.Also(Sys.Stop));

        echo.Tell("too late", TestActor);

        var dead = await ExpectMsgAsync<DeadLetter>();
        dead.Message.Should().Be("too late");
        dead.Recipient.Should().BeSameAs(echo);
        dead.Sender.Should().BeSameAs(TestActor);
    }

    [Fact]
    public async Task Children_are_found_by_name_and_names_are_unique()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent()), "parent");

        parent.Tell("make", TestActor);
        var child = await ExpectMsgAsync<IActorRef>();
        child.Path.ToString().Should().Be("/user/parent/kid");

        parent.Tell("make", TestActor);
        (await ExpectMsgAsync<Status.Failure>()).Cause.Should().BeOfType<InvalidActorNameException>();

        parent.Tell("find", TestActor);
        (await ExpectMsgAsync<IActorRef>()).Should().BeSameAs(child);
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<string>(s => s == "make", _ =>
            {
                try
                {
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Echo()), "kid"));
                }
                catch (InvalidActorNameException e)
                {
                    Sender.Tell(new Status.Failure(e));
                }
            });
            Receive<string>(s => s == "find", _ => Sender.Tell(Context.Child("kid")));
        }
    }

    [Fact]
    public void Invalid_names_are_refused()
    {
        var act = () => Sys.ActorOf(Props.Create(() => new Echo()), "a/b");
        act.Should().Throw<InvalidActorNameException>();
        var reserved = () => Sys.ActorOf(Props.Create(() => new Echo()), "$x");
        reserved.Should().Throw<InvalidActorNameException>();
    }

    [Fact]
    public void Actors_cannot_be_created_with_new()
    {
        var act = () => new Echo();
        act.Should().Throw<ActorInitializationException>();
    }
}

internal static class TestExtensions
{
    /// <summary>Runs an action on a value and returns the value (for one-line arrange steps).</summary>
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}

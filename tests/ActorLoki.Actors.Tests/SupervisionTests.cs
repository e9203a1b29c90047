using ActorLoki.Actors.Event;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class SupervisionTests : TestKit
{
    private sealed class Lifecycle : ReceiveActor
    {
        private readonly IActorRef _probe;
        private int _count;

        public Lifecycle(IActorRef probe)
        {
            _probe = probe;
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(s => s == "count", _ => probe.Tell(++_count));
        }

        protected override void PreStart() => _probe.Tell("PreStart");

        protected override void PostStop() => _probe.Tell("PostStop");

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"PreRestart {reason.Message} {message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"PostRestart {reason.Message}");
            base.PostRestart(reason);
        }
    }

    private sealed record GetChild;

    [Fact]
    public async Task Resume_keeps_the_instance_and_its_state()
    {
        var child = await StartWithStrategy(new OneForOneStrategy(_ => Directive.Resume));

        child.Tell("count");
        await ExpectMsgAsync(1);
        child.Tell("fail");
        child.Tell("count");

        await ExpectMsgAsync(2);
    }

    [Fact]
    public async Task Restart_creates_a_fresh_instance_and_keeps_the_mailbox()
    {
        var child = await StartWithStrategy(SupervisorStrategy.DefaultStrategy);

        child.Tell("count");
        child.Tell("count");
        child.Tell("fail");
        child.Tell("count");

        await ExpectMsgAsync(1);
        await ExpectMsgAsync(2);
        await ExpectMsgAsync("PreRestart fail fail");
        await ExpectMsgAsync("PostStop");
        await ExpectMsgAsync("PostRestart fail");
        await ExpectMsgAsync("PreStart");
        (await ExpectMsgAsync<int>()).Should().Be(1, "the message queued behind the failing one reached the fresh instance");
    }

    [Fact]
    public async Task Stop_directive_stops_the_child()
    {
        var child = await StartWithStrategy(new OneForOneStrategy(_ => Directive.Stop));
        Watch(child);

        child.Tell("fail");

        await ExpectMsgAsync("PostStop");
        await ExpectTerminatedAsync(child);
    }

    [Fact]
    public async Task Restarts_beyond_the_retry_limit_stop_the_child()
    {
        var child = await StartWithStrategy(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), _ => Directive.Restart, loggingEnabled: false));
        Watch(child);

        for (var i = 0; i < 3; i++)
        {
            child.Tell("fail");
        }

        await FishForMessageAsync<Terminated>(t => ReferenceEquals(t.ActorRef, child));
    }

    [Fact]
    public async Task Kill_stops_the_actor_through_the_default_decider()
    {
        var child = await StartWithStrategy(SupervisorStrategy.DefaultStrategy);
        Watch(child);

        child.Tell(Kill.Instance);

        await ExpectMsgAsync("PostStop");
        await ExpectTerminatedAsync(child);
    }

    [Fact]
    public void The_default_decider_is_Akkas()
    {
        var decide = SupervisorStrategy.DefaultDecider;
        decide(new ActorInitializationException()).Should().Be(Directive.Stop);
        decide(new ActorKilledException()).Should().Be(Directive.Stop);
        decide(new DeathPactException()).Should().Be(Directive.Stop);
        decide(new IOException()).Should().Be(Directive.Restart);
    }

    private sealed class Escalating : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Escalating(IActorRef probe)
        {
            _probe = probe;
            Receive<GetChild>(_ => Sender.Tell(Context.Child("leaf")));
        }

        protected override void PreStart()
        {
            _probe.Tell("middle started");
            Context.ActorOf(Props.Create(() => new Lifecycle(_probe)), "leaf");
        }

        protected override void PostStop() => _probe.Tell("middle stopped");

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);
    }

    [Fact]
    public async Task Escalate_fails_the_parent_which_its_own_supervisor_restarts()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(ActorRestarted));
        var middle = Sys.ActorOf(Props.Create(() => new Escalating(TestActor)), "middle");
        await ExpectMsgAsync("middle started");
        await ExpectMsgAsync("PreStart");
        var leaf = await middle.Ask<IActorRef>(new GetChild(), TimeSpan.FromSeconds(3));

        leaf.Tell("fail");

        // /user restarts the middle actor: its default PreRestart stops the leaf and calls PostStop; the
        // fresh instance is created only once the leaf has stopped.
        var stops = new[] { await Probe.ReceiveOneAsync(), await Probe.ReceiveOneAsync() };
        stops.Should().BeEquivalentTo(["PostStop", "middle stopped"]);
        var restart = new[] { await Probe.ReceiveOneAsync(), await Probe.ReceiveOneAsync(), await Probe.ReceiveOneAsync() };
        restart.Should().Contain(["middle started", "PreStart"]);
        restart.OfType<ActorRestarted>().Should().ContainSingle().Which.Actor.Should().BeSameAs(middle);
    }

    private sealed class ResumingTop : ReceiveActor
    {
        private readonly IActorRef _probe;

        public ResumingTop(IActorRef probe)
        {
            _probe = probe;
            Receive<GetChild>(m => Context.Child("middle").Forward(m));
        }

        protected override void PreStart() => Context.ActorOf(Props.Create(() => new Escalating(_probe)), "middle");

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(-1, Timeout.InfiniteTimeSpan, _ => Directive.Resume, loggingEnabled: false);
    }

    [Fact]
    public async Task Resuming_an_escalating_parent_also_resumes_the_child_that_failed()
    {
        var top = Sys.ActorOf(Props.Create(() => new ResumingTop(TestActor)), "top");
        await ExpectMsgAsync("middle started");
        await ExpectMsgAsync("PreStart");
        var leaf = await top.Ask<IActorRef>(new GetChild(), TimeSpan.FromSeconds(3));
        leaf.Tell("count");
        await ExpectMsgAsync(1);

        leaf.Tell("fail");
        leaf.Tell("count");

        (await ExpectMsgAsync<int>()).Should().Be(2, "the leaf kept its state and handles messages again");
    }

    private sealed class FailsToStart : ReceiveActor
    {
        public FailsToStart(IActorRef probe)
        {
            probe.Tell("constructing");
            throw new InvalidOperationException("no config");
        }
    }

    [Fact]
    public async Task An_actor_that_fails_in_its_constructor_is_stopped()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(ActorStopped));
        var actor = Sys.ActorOf(Props.Create(() => new FailsToStart(TestActor)));

        await ExpectMsgAsync("constructing");
        (await ExpectMsgAsync<ActorStopped>()).Actor.Should().BeSameAs(actor);
        await ExpectNoMsgAsync();
    }

    private async Task<IActorRef> StartWithStrategy(SupervisorStrategy strategy)
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent(strategy, TestActor)), "parent");
        await ExpectMsgAsync("PreStart");
        return await parent.Ask<IActorRef>(new GetChild(), TimeSpan.FromSeconds(3));
    }

    private sealed class Parent : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Parent(SupervisorStrategy strategy, IActorRef probe)
        {
            _strategy = strategy;
            var child = Context.ActorOf(Props.Create(() => new Lifecycle(probe)), "child");
            Receive<GetChild>(_ => Sender.Tell(child));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }
}

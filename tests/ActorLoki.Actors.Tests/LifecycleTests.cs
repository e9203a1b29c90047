using System.Collections.Concurrent;
using ActorLoki.Actors.Event;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class LifecycleTests : TestKit
{
    /// <summary>A chain of actors <c>n{depth}/n{depth-1}/...</c> that report their path when they stop.</summary>
    private sealed class Node : ReceiveActor
    {
        private readonly Action<string> _stopped;

        public Node(Action<string> stopped, int depth)
        {
            _stopped = stopped;
            if (depth > 0)
            {
                Context.ActorOf(Props.Create(() => new Node(stopped, depth - 1)), $"n{depth - 1}");
            }
        }

        protected override void PostStop() => _stopped(Self.Path.ToString());
    }

    [Fact]
    public async Task Stopping_a_parent_stops_its_children_first()
    {
        var probe = TestActor;
        var root = Sys.ActorOf(Props.Create(() => new Node(path => probe.Tell(path), 2)), "n2");
        Watch(root);

        Sys.Stop(root);

        await ExpectMsgAsync("/user/n2/n1/n0");
        await ExpectMsgAsync("/user/n2/n1");
        await ExpectMsgAsync("/user/n2");
        await ExpectMsgAsync<Terminated>();
    }

    [Fact]
    public async Task PoisonPill_stops_after_the_messages_queued_before_it()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Watch(echo);

        echo.Tell("one", TestActor);
        echo.Tell(PoisonPill.Instance);
        echo.Tell("two", TestActor);

        await ExpectMsgAsync("one");
        await ExpectTerminatedAsync(echo);
        await ExpectNoMsgAsync();
    }

    [Fact]
    public async Task Terminate_stops_the_tree_child_first_and_completes_WhenTerminated()
    {
        var stopped = new ConcurrentQueue<string>();
        Sys.ActorOf(Props.Create(() => new Node(stopped.Enqueue, 1)), "n1");
        await AwaitAssertAsync(() => Sys.GetActorTree().Children.Should().ContainSingle().Which.Children.Should().ContainSingle());

        await Sys.Terminate().WaitAsync(TestKitSettings.DefaultTimeout);

        stopped.Should().Equal("/user/n1/n0", "/user/n1");
        Sys.GetActorTree().Children.Should().BeEmpty();
    }

    [Fact]
    public async Task Ten_thousand_actors_start_and_stop_without_leaking_timers_or_instances()
    {
        const int Count = 10_000;
        var manual = new ManualTimeProvider();
        await using var system = ActorSystem.Create("many", new ActorSystemSettings { TimeProvider = manual });
        var started = new CountdownEvent(Count);
        var instances = new WeakReference[Count];
        var parent = system.ActorOf(Props.Create(() => new ManyParent(Count, started, instances)), "many");

        await AwaitAssertAsync(() => started.CurrentCount.Should().Be(0), TimeSpan.FromSeconds(30));
        manual.ActiveTimers.Should().Be(Count, "every actor armed a timer");

        await parent.GracefulStop(TimeSpan.FromSeconds(30));

        manual.ActiveTimers.Should().Be(0, "stopping an actor cancels its timers");
        system.GetActorTree().Children.Should().BeEmpty();
        await AwaitAssertAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            instances.Count(w => w.IsAlive).Should().Be(0, "nothing (timer, token, task) keeps a stopped actor alive");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
    }

    private sealed class ManyParent : ReceiveActor
    {
        public ManyParent(int count, CountdownEvent started, WeakReference[] instances)
        {
            for (var i = 0; i < count; i++)
            {
                var index = i;
                Context.ActorOf(Props.Create(() => new TimedChild(started, instances, index)), $"c{i}");
            }
        }
    }

    private sealed class TimedChild : ReceiveActor, IWithTimers
    {
        public TimedChild(CountdownEvent started, WeakReference[] instances, int index)
        {
            instances[index] = new WeakReference(this);
            Timers.StartPeriodicTimer("tick", "tick", TimeSpan.FromMinutes(1));
            _ = Context.LifetimeToken;
            Receive<string>(_ => { });
            started.Signal();
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }

    private sealed class Stuck : ReceiveActor
    {
        public Stuck(ManualResetEventSlim gate, IActorRef probe) =>
            Receive<string>(_ =>
            {
                probe.Tell("stuck");
                gate.Wait(TimeSpan.FromSeconds(30));
            });
    }

    [Fact]
    public async Task Terminate_completes_at_its_deadline_even_if_an_actor_is_stuck()
    {
        var manual = new ManualTimeProvider();
        var system = ActorSystem.Create("stuck", new ActorSystemSettings { TimeProvider = manual, TerminationDeadline = TimeSpan.FromSeconds(5) });
        var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var gate = new ManualResetEventSlim();
        try
        {
            var stuck = system.ActorOf(Props.Create(() => new Stuck(gate, TestActor)));
            stuck.Tell("block");
            await ExpectMsgAsync("stuck");

            var terminated = system.Terminate();
            await Task.Delay(50);
            terminated.IsCompleted.Should().BeFalse("the stuck actor cannot stop");

            manual.Advance(TimeSpan.FromSeconds(5));

            await terminated.WaitAsync(TestKitSettings.DefaultTimeout);
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public async Task Lifecycle_events_are_published()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(ActorStarted));
        Sys.EventStream.Subscribe(TestActor, typeof(ActorStopped));

        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var started = await FishForMessageAsync<ActorStarted>(e => e.Actor.Path.Name == "echo");
        started.Actor.Should().BeSameAs(echo);
        started.ActorType.Should().Be<EchoActor>();

        Sys.Stop(echo);
        (await ExpectMsgAsync<ActorStopped>()).Actor.Should().BeSameAs(echo);
    }

    [Fact]
    public async Task Callback_subscribers_get_events_until_disposed()
    {
        var seen = new List<string>();
        var subscription = Sys.EventStream.Subscribe<ActorStarted>(e =>
        {
            if (e.ActorType == typeof(EchoActor))
            {
                lock (seen)
                {
                    seen.Add(e.Actor.Path.Name);
                }
            }
        });

        Sys.ActorOf(Props.Create(() => new EchoActor()), "first");
        await AwaitAssertAsync(() =>
        {
            lock (seen)
            {
                seen.Should().Equal("first");
            }
        });
        subscription.Dispose();
        var second = Sys.ActorOf(Props.Create(() => new EchoActor()), "second");
        await second.Ask<string>("sync", TimeSpan.FromSeconds(3));

        lock (seen)
        {
            seen.Should().Equal("first");
        }
    }
}

internal sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

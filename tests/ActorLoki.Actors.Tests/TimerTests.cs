using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class TimerTests() : TestKit(manualTime: true)
{
    private sealed record StartSingle(string Key, string Message, TimeSpan Delay);

    private sealed record StartPeriodic(string Key, string Message, TimeSpan Interval);

    private sealed record CancelTimer(string Key);

    private sealed record IsActive(string Key);

    private sealed class Timed : ReceiveActor, IWithTimers
    {
        public Timed(IActorRef probe)
        {
            Receive<StartSingle>(s => Reply(() => Timers.StartSingleTimer(s.Key, s.Message, s.Delay)));
            Receive<StartPeriodic>(s => Reply(() => Timers.StartPeriodicTimer(s.Key, s.Message, s.Interval)));
            Receive<CancelTimer>(c => Reply(() => Timers.Cancel(c.Key)));
            Receive<IsActive>(c => Sender.Tell(Timers.IsTimerActive(c.Key)));
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(s => probe.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        private void Reply(Action action)
        {
            action();
            Sender.Tell("ok");
        }
    }

    private async Task<IActorRef> TimedActor()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Timed(TestActor)), "timed");
        return await Task.FromResult(actor);
    }

    private static async Task Do(IActorRef actor, object command) => (await actor.Ask<string>(command, TimeSpan.FromSeconds(3))).Should().Be("ok");

    [Fact]
    public async Task A_single_timer_fires_once_after_its_delay()
    {
        var actor = await TimedActor();
        await Do(actor, new StartSingle("k", "tick", TimeSpan.FromSeconds(10)));

        Time.Advance(TimeSpan.FromSeconds(9));
        await ExpectNoMsgAsync();
        Time.Advance(TimeSpan.FromSeconds(1));
        await ExpectMsgAsync("tick");
        (await actor.Ask<bool>(new IsActive("k"), TimeSpan.FromSeconds(3))).Should().BeFalse();

        Time.Advance(TimeSpan.FromSeconds(60));
        await ExpectNoMsgAsync();
    }

    [Fact]
    public async Task A_periodic_timer_fires_every_interval_until_cancelled()
    {
        var actor = await TimedActor();
        await Do(actor, new StartPeriodic("p", "tick", TimeSpan.FromSeconds(5)));

        Time.Advance(TimeSpan.FromSeconds(5));
        await ExpectMsgAsync("tick");
        Time.Advance(TimeSpan.FromSeconds(5));
        await ExpectMsgAsync("tick");
        (await actor.Ask<bool>(new IsActive("p"), TimeSpan.FromSeconds(3))).Should().BeTrue();

        await Do(actor, new CancelTimer("p"));
        Time.Advance(TimeSpan.FromSeconds(30));
        await ExpectNoMsgAsync();
        Time.ActiveTimers.Should().Be(0);
    }

    [Fact]
    public async Task A_replaced_timer_never_delivers_its_stale_message()
    {
        var actor = await TimedActor();
        await Do(actor, new StartSingle("k", "old", TimeSpan.FromSeconds(1)));

        await Do(actor, new StartSingle("k", "new", TimeSpan.FromSeconds(2)));
        Time.Advance(TimeSpan.FromSeconds(1));
        await ExpectNoMsgAsync();
        Time.Advance(TimeSpan.FromSeconds(1));
        await ExpectMsgAsync("new");
        await ExpectNoMsgAsync();
    }

    [Fact]
    public async Task A_timer_message_already_queued_is_dropped_when_the_timer_is_cancelled()
    {
        var actor = Sys.ActorOf(Props.Create(() => new QueuedCancel(TestActor)));
        actor.Tell("go");

        await ExpectMsgAsync("cancelled");
        await ExpectNoMsgAsync();
    }

    private sealed class QueuedCancel : ReceiveActor, IWithTimers
    {
        public QueuedCancel(IActorRef probe)
        {
            ReceiveAsync<string>(s => s == "go", async _ =>
            {
                Timers.StartSingleTimer("k", "tick", TimeSpan.Zero);
                // The tick is queued while this handler holds the mailbox; cancelling must still win.
                await Task.Delay(50);
                Timers.Cancel("k");
                probe.Tell("cancelled");
            });
            Receive<string>(s => probe.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }

    [Fact]
    public async Task Restart_and_stop_cancel_every_timer()
    {
        var actor = await TimedActor();
        await Do(actor, new StartPeriodic("p", "tick", TimeSpan.FromSeconds(5)));
        await Do(actor, new StartSingle("s", "once", TimeSpan.FromSeconds(5)));
        Time.ActiveTimers.Should().Be(2);

        actor.Tell("fail");
        await AwaitAssertAsync(() => Time.ActiveTimers.Should().Be(0));
        Time.Advance(TimeSpan.FromSeconds(10));
        await ExpectNoMsgAsync();

        await Do(actor, new StartPeriodic("p", "tick", TimeSpan.FromSeconds(5)));
        await actor.GracefulStop(TimeSpan.FromSeconds(3));
        Time.ActiveTimers.Should().Be(0);
    }
}

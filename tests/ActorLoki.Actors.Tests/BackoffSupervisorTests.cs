using ActorLoki.Actors.Event;
using ActorLoki.Actors.Pattern;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class BackoffSupervisorTests : TestKit
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(4);
    private readonly TestProbe _events;

    public BackoffSupervisorTests()
        : base(manualTime: true)
    {
        _events = CreateTestProbe("events");
        Sys.EventStream.Subscribe(_events.Ref, typeof(BackoffRestartScheduled));
    }

    private sealed record Started(int Restarts);

    private sealed class RetryLater(TimeSpan after) : Exception("429 Too Many Requests"), IRetryAfter
    {
        public TimeSpan? RetryAfter => after;
    }

    private sealed class Flaky : ReceiveActor
    {
        public Flaky(IActorRef probe, int restarts)
        {
            probe.Tell(new Started(restarts));
            Receive<string>(s => s == "fail", _ => throw new IOException("connection reset"));
            Receive<TimeSpan>(t => throw new RetryLater(t));
            Receive<string>(s => s == "stop", _ => Context.Stop(Self));
            Receive<string>(s => s == "healthy", _ => Context.Parent.Tell(BackoffSupervisor.Reset.Instance));
            Receive<string>(s => probe.Tell(s));
        }
    }

    private IActorRef Supervise(Func<BackoffOptions, BackoffOptions>? configure = null, BackoffMode mode = BackoffMode.OnFailure, int maxNrOfRetries = -1)
    {
        var probe = TestActor;
        Func<int, Props> child = n => Props.Create(() => new Flaky(probe, n));
        var options = mode == BackoffMode.OnFailure
            ? Backoff.OnFailure(child, "pusher", Min, Max, randomFactor: 0, maxNrOfRetries)
            : Backoff.OnStop(child, "pusher", Min, Max, randomFactor: 0, maxNrOfRetries);
        return Sys.ActorOf(BackoffSupervisor.Props(configure is null ? options : configure(options)), "push");
    }

    /// <summary>Fails the child, checks the scheduled delay, and proves the new child starts exactly then.</summary>
    private async Task FailAndExpectRestartAfter(IActorRef supervisor, TimeSpan delay, int attempt, object? failure = null)
    {
        supervisor.Tell(failure ?? "fail");
        var scheduled = await _events.ExpectMsgAsync<BackoffRestartScheduled>();
        scheduled.Delay.Should().Be(delay);
        scheduled.Attempt.Should().Be(attempt);
        scheduled.ChildPath.ToString().Should().Be("/user/push/pusher");

        Time.Advance(delay - TimeSpan.FromMilliseconds(1));
        await ExpectNoMsgAsync();
        Time.Advance(TimeSpan.FromMilliseconds(1));
        (await ExpectMsgAsync<Started>()).Restarts.Should().Be(attempt, "the child learns how many restarts preceded it");

        // A round trip through the supervisor: the new child's reset timer is armed before time moves on.
        (await RestartCount(supervisor)).Should().Be(attempt);
    }

    private static async Task<int> RestartCount(IActorRef supervisor) =>
        (await supervisor.Ask<BackoffSupervisor.RestartCount>(BackoffSupervisor.GetRestartCount.Instance, TimeSpan.FromSeconds(3))).Count;

    [Fact]
    public async Task Restarts_the_child_after_delays_that_grow_and_are_capped()
    {
        var supervisor = Supervise();
        await ExpectMsgAsync(new Started(0));

        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(2), 2);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(4), 3);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(4), 4);
    }

    [Fact]
    public async Task The_scheduled_restart_event_carries_the_cause()
    {
        var supervisor = Supervise();
        await ExpectMsgAsync(new Started(0));

        supervisor.Tell("fail");

        var scheduled = await _events.ExpectMsgAsync<BackoffRestartScheduled>();
        scheduled.Cause.Should().BeOfType<IOException>().Which.Message.Should().Be("connection reset");
        scheduled.Supervisor.Should().BeSameAs(supervisor);
    }

    [Fact]
    public async Task The_restart_count_resets_after_the_child_has_been_stable()
    {
        var supervisor = Supervise();
        await ExpectMsgAsync(new Started(0));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(2), 2);

        Time.Advance(Min);

        (await RestartCount(supervisor)).Should().Be(0);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);
    }

    [Fact]
    public async Task A_reset_armed_for_an_earlier_child_does_not_reset_the_count()
    {
        var supervisor = Supervise(o => o.WithAutoReset(TimeSpan.FromSeconds(10)));
        await ExpectMsgAsync(new Started(0));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);

        // Child 1 started at T; its reset would fall at T+10 s. It fails at T+5 s; child 2 starts at T+7 s.
        Time.Advance(TimeSpan.FromSeconds(5));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(2), 2);

        // At T+12 s child 1's reset time has passed but child 2 has been up for only 5 s.
        Time.Advance(TimeSpan.FromSeconds(5));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(4), 3);
    }

    [Fact]
    public async Task Manual_reset_is_sent_by_the_child()
    {
        var supervisor = Supervise(o => o.WithManualReset());
        await ExpectMsgAsync(new Started(0));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);
        Time.Advance(TimeSpan.FromMinutes(5));
        (await RestartCount(supervisor)).Should().Be(1, "no automatic reset");

        supervisor.Tell("healthy");

        await AwaitAssertAsync(async () => (await RestartCount(supervisor)).Should().Be(0));
    }

    [Fact]
    public async Task The_supervisor_stops_itself_after_the_maximum_number_of_retries()
    {
        var supervisor = Supervise(maxNrOfRetries: 2);
        Watch(supervisor);
        await ExpectMsgAsync(new Started(0));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(1), 1);
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(2), 2);

        supervisor.Tell("fail");

        await ExpectTerminatedAsync(supervisor);
        await _events.ExpectNoMsgAsync();
    }

    [Fact]
    public async Task A_retry_after_hint_lengthens_the_delay()
    {
        var supervisor = Supervise();
        await ExpectMsgAsync(new Started(0));

        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(30), 1, TimeSpan.FromSeconds(30));
        await FailAndExpectRestartAfter(supervisor, TimeSpan.FromSeconds(2), 2, TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public async Task Messages_go_to_the_current_child_and_to_dead_letters_while_there_is_none()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var supervisor = Supervise();
        await ExpectMsgAsync(new Started(0));

        supervisor.Tell("hello", TestActor);
        await ExpectMsgAsync("hello");
        var child = (await supervisor.Ask<BackoffSupervisor.CurrentChild>(BackoffSupervisor.GetCurrentChild.Instance, TimeSpan.FromSeconds(3))).Ref;
        child!.Path.ToString().Should().Be("/user/push/pusher");

        supervisor.Tell("fail");
        await _events.ExpectMsgAsync<BackoffRestartScheduled>();
        (await supervisor.Ask<BackoffSupervisor.CurrentChild>(BackoffSupervisor.GetCurrentChild.Instance, TimeSpan.FromSeconds(3))).Ref.Should().BeNull();
        supervisor.Tell("lost", TestActor);

        (await deadLetters.ExpectMsgAsync<DeadLetter>()).Message.Should().Be("lost");
    }

    [Fact]
    public async Task On_failure_a_child_that_stops_on_its_own_stops_the_supervisor()
    {
        var supervisor = Supervise();
        Watch(supervisor);
        await ExpectMsgAsync(new Started(0));

        supervisor.Tell("stop");

        await ExpectTerminatedAsync(supervisor);
    }

    [Fact]
    public async Task On_stop_a_stopped_child_is_started_again_after_a_back_off()
    {
        var supervisor = Supervise(mode: BackoffMode.OnStop);
        await ExpectMsgAsync(new Started(0));

        supervisor.Tell("stop");
        var scheduled = await _events.ExpectMsgAsync<BackoffRestartScheduled>();
        scheduled.Delay.Should().Be(Min);
        scheduled.Cause.Should().BeNull();
        Time.Advance(Min);
        await ExpectMsgAsync(new Started(1));

        // A failure the strategy restarts is restarted at once, without back-off (Akka's OnStop semantics).
        supervisor.Tell("fail");
        await ExpectMsgAsync(new Started(1));
        await _events.ExpectNoMsgAsync();
    }

    [Fact]
    public void The_delay_formula_applies_the_random_factor_after_the_cap()
    {
        BackoffSupervisor.CalculateDelay(3, Min, TimeSpan.FromSeconds(100), 0.2, 0.5).Should().Be(TimeSpan.FromSeconds(8.8));
        BackoffSupervisor.CalculateDelay(10, Min, Max, 0.2, 0.5).Should().Be(TimeSpan.FromSeconds(4.4));
        BackoffSupervisor.CalculateDelay(1000, Min, Max, 0, 0.9).Should().Be(Max);
        for (var i = 0; i < 100; i++)
        {
            BackoffSupervisor.CalculateDelay(2, Min, Max, 0.5).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(4)).And.BeLessThan(TimeSpan.FromSeconds(6));
        }
    }
}

using ActorLoki.Loki;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Simulator.Loki;
using Akka.Actor;
using Akka.Pattern;
using Akka.TestKit;

namespace ActorLoki.Shipper.Tests.Pipeline;

/// <summary>
/// The pusher under Akka's back-off supervisor, on virtual time (Akka's TestScheduler), pushing to the
/// Loki-compatible receiver over 127.0.0.1; a probe stands in for the batcher.
/// </summary>
public sealed class LokiPusherBackoffTests() : LokiTestKit(virtualTime: true)
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RealWait = TimeSpan.FromMilliseconds(300);
    private static PushBatch Batch(long id)
    {
        var stream = new PushStream(new LabelSetBuilder(LabelLimits.Default).Set("app", "a").Build());
        stream.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L, "line"u8.ToArray());
        return new PushBatch(id, [stream]);
    }

    private (IActorRef Supervisor, TestProbe Batcher) StartPusher(double randomFactor)
    {
        var batcher = CreateTestProbe("batcher");
        var supervisor = Sys.ActorOf(LokiPusher.SupervisedProps(Client, batcher.Ref, MinBackoff, MaxBackoff, randomFactor, ResetAfter), "push");
        return (supervisor, batcher);
    }

    /// <summary>Gives the batch to the pusher that asks next and waits for its report.</summary>
    private static async Task<T> PushAsync<T>(TestProbe batcher, PushBatch batch, int attempt)
    {
        await batcher.ExpectMsgAsync<Batcher.RequestWork>(TimeSpan.FromSeconds(5));
        batcher.Reply(new Batcher.PushWork(batch, PushCursor.Start, attempt));
        return await batcher.ExpectMsgAsync<T>(TimeSpan.FromSeconds(5));
    }

    private async Task RestartsScheduledAsync(IActorRef supervisor, int count) =>
        await AwaitAssertAsync(async () =>
            (await supervisor.Ask<BackoffSupervisor.RestartCount>(BackoffSupervisor.GetRestartCount.Instance, TimeSpan.FromSeconds(3))).Count.Should().Be(count));

    [Fact]
    public async Task Pusher_waits_for_Retry_After_before_the_next_attempt_and_no_longer_than_the_jitter()
    {
        Loki.Faults.Next(1, LokiFault.Status(429, retryAfter: "7"));
        var (_, batcher) = StartPusher(randomFactor: 0.1);
        var batch = Batch(1);

        (await PushAsync<Batcher.PushFailed>(batcher, batch, 1)).Result.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));

        Scheduler.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromMilliseconds(1));
        await batcher.ExpectNoMsgAsync(RealWait);
        Loki.Statistics.RequestsByStatus[429].Should().Be(1, "not retried sooner than Retry-After");

        Scheduler.Advance(TimeSpan.FromMilliseconds(1) + TimeSpan.FromSeconds(0.7));
        (await PushAsync<Batcher.PushCompleted>(batcher, batch, 2)).BatchId.Should().Be(1, "retried within Retry-After plus 10 % jitter");
        Loki.Statistics.EntriesAccepted.Should().Be(1);
    }

    [Fact]
    public async Task The_back_off_doubles_after_every_failure_up_to_the_maximum()
    {
        Loki.Faults.Always(LokiFault.Status(503));
        var (supervisor, batcher) = StartPusher(randomFactor: 0);
        var batch = Batch(1);
        var expected = new[] { 1, 2, 4, 8, 8 };

        for (var i = 0; i < expected.Length; i++)
        {
            await PushAsync<Batcher.PushFailed>(batcher, batch, i + 1);
            await RestartsScheduledAsync(supervisor, i + 1);
            Scheduler.Advance(TimeSpan.FromSeconds(expected[i]) - TimeSpan.FromMilliseconds(1));
            await batcher.ExpectNoMsgAsync(RealWait);
            Scheduler.Advance(TimeSpan.FromMilliseconds(1));
        }

        await batcher.ExpectMsgAsync<Batcher.RequestWork>(TimeSpan.FromSeconds(5));
        Loki.Statistics.RequestsByStatus[503].Should().Be(expected.Length);
    }

    [Fact]
    public async Task A_pusher_that_worked_for_the_reset_period_starts_the_back_off_again_from_the_minimum()
    {
        Loki.Faults.Next(3, LokiFault.Status(503));
        var (supervisor, batcher) = StartPusher(randomFactor: 0);
        var batch = Batch(1);
        for (var i = 0; i < 3; i++)
        {
            await PushAsync<Batcher.PushFailed>(batcher, batch, i + 1);
            await RestartsScheduledAsync(supervisor, i + 1);
            Scheduler.Advance(TimeSpan.FromSeconds(1 << i));
        }

        await PushAsync<Batcher.PushCompleted>(batcher, batch, 4);
        await batcher.ExpectMsgAsync<Batcher.RequestWork>(TimeSpan.FromSeconds(5));
        Scheduler.Advance(ResetAfter);
        await RestartsScheduledAsync(supervisor, 0);

        Loki.Faults.Next(1, LokiFault.Status(503));
        batcher.Reply(new Batcher.PushWork(Batch(2), PushCursor.Start, 1));
        await batcher.ExpectMsgAsync<Batcher.PushFailed>(TimeSpan.FromSeconds(5));
        await RestartsScheduledAsync(supervisor, 1);
        Scheduler.Advance(MinBackoff - TimeSpan.FromMilliseconds(1));
        await batcher.ExpectNoMsgAsync(RealWait);
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));
        await batcher.ExpectMsgAsync<Batcher.RequestWork>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_configuration_error_is_retried_after_the_maximum_back_off_by_the_same_pusher()
    {
        Loki.Faults.Next(1, LokiFault.Status(401));
        var (supervisor, batcher) = StartPusher(randomFactor: 0);
        var batch = Batch(1);

        await PushAsync<Batcher.PushFailed>(batcher, batch, 1);
        var pusher = batcher.LastSender;
        Scheduler.Advance(MaxBackoff - TimeSpan.FromMilliseconds(1));
        await batcher.ExpectNoMsgAsync(RealWait);
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));

        await PushAsync<Batcher.PushCompleted>(batcher, batch, 2);
        batcher.LastSender.Should().Be(pusher, "nothing failed: the pusher waited");
        await RestartsScheduledAsync(supervisor, 0);
    }
}

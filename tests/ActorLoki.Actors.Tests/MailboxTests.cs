using System.Diagnostics.Metrics;
using ActorLoki.Actors.Event;
using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class MailboxTests : TestKit
{
    /// <summary>Blocks on its first message until released, so the mailbox fills behind it.</summary>
    private sealed class Blocked : ReceiveActor
    {
        public Blocked(IActorRef probe, Task gate)
        {
            ReceiveAsync<string>(s => s == "block", async _ =>
            {
                probe.Tell("blocked");
                await gate;
            });
            Receive<int>(n => probe.Tell(n));
        }
    }

    private async Task<(IActorRef Actor, TaskCompletionSource Gate)> Full(OverflowPolicy policy)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new Blocked(TestActor, gate.Task)).WithBoundedMailbox(3, policy));
        actor.Tell("block");
        await ExpectMsgAsync("blocked");
        for (var i = 1; i <= 5; i++)
        {
            actor.Tell(i, TestActor);
        }

        return (actor, gate);
    }

    [Fact]
    public async Task DropNewest_drops_the_incoming_messages_and_reports_them()
    {
        var overflows = CreateTestProbe();
        Sys.EventStream.Subscribe(overflows.Ref, typeof(MailboxOverflow));

        var (_, gate) = await Full(OverflowPolicy.DropNewest);
        gate.SetResult();

        await ExpectMsgAsync(1);
        await ExpectMsgAsync(2);
        await ExpectMsgAsync(3);
        await ExpectNoMsgAsync();
        (await overflows.ExpectMsgAsync<MailboxOverflow>()).Message.Should().Be(4);
        (await overflows.ExpectMsgAsync<MailboxOverflow>()).Message.Should().Be(5);
    }

    [Fact]
    public async Task DropOldest_drops_the_head_of_the_queue()
    {
        var overflows = CreateTestProbe();
        Sys.EventStream.Subscribe(overflows.Ref, typeof(MailboxOverflow));

        var (_, gate) = await Full(OverflowPolicy.DropOldest);
        gate.SetResult();

        await ExpectMsgAsync(3);
        await ExpectMsgAsync(4);
        await ExpectMsgAsync(5);
        (await overflows.ExpectMsgAsync<MailboxOverflow>()).Message.Should().Be(1);
        (await overflows.ExpectMsgAsync<MailboxOverflow>()).Message.Should().Be(2);
    }

    [Fact]
    public async Task FailSender_tells_the_sender_its_message_was_refused()
    {
        var (actor, gate) = await Full(OverflowPolicy.FailSender);

        var refused = await ExpectMsgAsync<Status.Failure>();
        refused.Cause.Should().BeOfType<MailboxFullException>();
        Probe.LastSender.Should().BeSameAs(actor);
        await ExpectMsgAsync<Status.Failure>();
        gate.SetResult();
        await ExpectMsgAsync(1);
    }

    [Fact]
    public async Task Overflows_and_dead_letters_are_counted()
    {
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorLoki.Actors")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (counts)
            {
                counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        var (actor, gate) = await Full(OverflowPolicy.DropNewest);
        gate.SetResult();
        await ExpectMsgAsync(1);
        await actor.GracefulStop(TimeSpan.FromSeconds(3));
        actor.Tell("late");

        lock (counts)
        {
            counts.GetValueOrDefault("actorloki_mailbox_overflows").Should().BeGreaterThanOrEqualTo(2);
            counts.GetValueOrDefault("actorloki_dead_letters").Should().BeGreaterThanOrEqualTo(1);
        }
    }
}

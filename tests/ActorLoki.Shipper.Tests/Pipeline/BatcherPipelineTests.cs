using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.TestKit;
using ActorLoki.Loki;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Shipper.Positions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;

namespace ActorLoki.Shipper.Tests.Pipeline;

/// <summary>
/// The batcher and the pusher under its back-off supervisor, pushing to the Loki-compatible receiver over
/// 127.0.0.1. Probes stand in for the tails (they append chunks and collect credit) and the positions keeper.
/// </summary>
public sealed class BatcherPipelineTests() : LokiTestKit
{
    // Lines written as the test starts: a batch's max-wait counts from its first line's timestamp.
    private readonly long T0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
    private readonly ShipperMetrics _metrics = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _metrics.Dispose();
    }

    private static BatcherOptions Options(long maxBytes = 1 << 20, int maxWaitMs = 50, long budget = 64 << 20, BufferFullPolicy whenFull = BufferFullPolicy.Block, int maxRetries = -1) =>
        new(maxBytes, TimeSpan.FromMilliseconds(maxWaitMs), 0, budget, whenFull, maxRetries);

    private (IActorRef Batcher, TestProbe Positions) StartPipeline(BatcherOptions options, TimeSpan? minBackoff = null)
    {
        var positions = CreateTestProbe("positions");
        var batcher = Sys.ActorOf(Batcher.Props(options, positions.Ref, _metrics), "batcher");
        Sys.ActorOf(LokiPusher.SupervisedProps(Client, batcher, minBackoff ?? TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), 0.1, TimeSpan.FromSeconds(1)), "push");
        return (batcher, positions);
    }

    private static StreamInfo Stream(string pod, int instance = 0) =>
        new(new StreamKey("uid-" + pod, "app", instance), "dev1", pod, "app",
            new LabelSetBuilder(LabelLimits.Default).Set("namespace", "dev1").Set("pod", pod).Set("container", "app").Build(), null);

    /// <summary>A chunk of <paramref name="count"/> lines numbered from <paramref name="first"/>, one buffer for all.</summary>
    private Batcher.Append Chunk(StreamInfo stream, int first, int count) => Chunk(stream, first, count, T0);

    /// <summary>The same, its lines stamped from <paramref name="t0"/> (Unix nanoseconds) on, a millisecond apart.</summary>
    private static Batcher.Append Chunk(StreamInfo stream, int first, int count, long t0)
    {
        var text = new StringBuilder();
        var offsets = new List<(int Offset, int Length)>();
        for (var i = first; i < first + count; i++)
        {
            var line = $"{stream.Pod} seq={i:D6} some log text";
            offsets.Add((Encoding.UTF8.GetByteCount(text.ToString()), Encoding.UTF8.GetByteCount(line)));
            text.Append(line);
        }

        var buffer = Encoding.UTF8.GetBytes(text.ToString());
        var entries = offsets.Select((o, i) => new LogEntry(t0 + ((first + i) * 1_000_000L), buffer.AsMemory(o.Offset, o.Length))).ToArray();
        var position = new StreamPosition((t0 / 1_000_000_000) - 2, first + count, entries[^1].TimestampUnixNanos, (ulong)(first + count));
        return new Batcher.Append(stream, entries, count, buffer.Length, position, entries[^1].TimestampUnixNanos);
    }

    private static List<int> Sequences(ReceivedStream stream) =>
        [.. stream.Entries.Select(e => int.Parse(e.Line.Split("seq=")[1][..6], CultureInfo.InvariantCulture))];

    private ReceivedStream Received(string pod) => Loki.Streams().Single(s => s.LabelValues["pod"] == pod);

    [Fact]
    public async Task Lines_reach_Loki_in_order_per_stream_with_their_timestamps_and_positions_follow_the_acknowledgement()
    {
        var (batcher, positions) = StartPipeline(Options());
        var a = Stream("a");
        var b = Stream("b");
        batcher.Tell(Batcher.RegisterTail.Instance, TestActor);
        var initial = await ExpectMsgAsync<Batcher.Credit>();

        for (var i = 0; i < 10; i++)
        {
            batcher.Tell(Chunk(a, i * 50, 50), TestActor);
            batcher.Tell(Chunk(b, i * 20, 20), TestActor);
        }

        await Loki.WaitForEntriesAsync(700).WaitAsync(TimeSpan.FromSeconds(20));
        Sequences(Received("a")).Should().Equal(Enumerable.Range(0, 500));
        Sequences(Received("b")).Should().Equal(Enumerable.Range(0, 200));
        Received("a").Entries[0].TimestampUnixNanos.Should().Be(T0, "the kubelet's timestamp is the Loki timestamp");

        var last = new Dictionary<StreamKey, StreamPosition>();
        await AwaitAssertAsync(async () =>
        {
            var acked = await positions.ExpectMsgAsync<PositionsKeeper.Acknowledged>(TimeSpan.FromSeconds(2));
            foreach (var p in acked.Positions)
            {
                last[p.Key] = p.Position;
            }

            last.GetValueOrDefault(a.Key).Skip.Should().Be(500);
            last.GetValueOrDefault(b.Key).Skip.Should().Be(200);
        });

        var credits = await ReceiveWhileAsync<Batcher.Credit>(_ => true, idle: TimeSpan.FromMilliseconds(500)).ToListAsync();
        var spent = Enumerable.Range(0, 10).Sum(i => Chunk(a, i * 50, 50).MemoryBytes + Chunk(b, i * 20, 20).MemoryBytes);
        (initial.Bytes + credits.Sum(c => c.Bytes) - spent).Should().Be(Options().CreditWindow, "under budget, a reading tail is topped up to its window after every chunk");
    }

    [Fact]
    public async Task A_position_never_moves_before_Loki_accepted_the_lines()
    {
        Loki.Faults.Always(LokiFault.Status(503));
        var (batcher, positions) = StartPipeline(Options());

        batcher.Tell(Chunk(Stream("a"), 0, 10), TestActor);

        await Loki.WaitForRequestsAsync(3).WaitAsync(TimeSpan.FromSeconds(20));
        await positions.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        Loki.Faults.Clear();
        var acked = await positions.ExpectMsgAsync<PositionsKeeper.Acknowledged>(TimeSpan.FromSeconds(10));
        acked.Positions.Single().Position.Skip.Should().Be(10);
        Sequences(Received("a")).Should().Equal(Enumerable.Range(0, 10));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task Retryable_answers_are_retried_until_every_line_is_stored_once(int status)
    {
        Loki.Faults.Next(4, LokiFault.Status(status, retryAfter: status == 429 ? "0" : null));
        var (batcher, _) = StartPipeline(Options(maxBytes: 2_000));
        var a = Stream("a");

        for (var i = 0; i < 20; i++)
        {
            batcher.Tell(Chunk(a, i * 25, 25), TestActor);
        }

        await Loki.WaitForEntriesAsync(500).WaitAsync(TimeSpan.FromSeconds(20));
        Sequences(Received("a")).Should().Equal(Enumerable.Range(0, 500));
        Loki.Statistics.DuplicatesDropped.Should().Be(0, "an acknowledged request is not sent again");
        Loki.Statistics.RequestsByStatus[status].Should().Be(4);
    }

    [Fact]
    public async Task Credit_never_exceeds_the_budget_is_withheld_while_it_is_spent_and_comes_back_once_Loki_catches_up()
    {
        var chunk = Chunk(Stream("a"), 0, 300);
        var budget = chunk.MemoryBytes * 3;
        Loki.Faults.Always(LokiFault.Status(503));
        var (batcher, _) = StartPipeline(Options(budget: budget));
        var tail = CreateTestProbe("tail");
        var other = CreateTestProbe("other");

        tail.Send(batcher, Batcher.RegisterTail.Instance);
        var granted = (await tail.ExpectMsgAsync<Batcher.Credit>()).Bytes;
        granted.Should().BeLessThanOrEqualTo(budget / 2, "one tail holds at most half the budget");
        other.Send(batcher, Batcher.RegisterTail.Instance);
        var otherHolds = (await other.ExpectMsgAsync<Batcher.Credit>()).Bytes;
        (granted + otherHolds).Should().BeLessThanOrEqualTo(budget);

        // The tail reads on (a probe does not wait for credit): Loki refuses, the budget is spent.
        for (var i = 0; i < 5; i++)
        {
            tail.Send(batcher, Chunk(Stream("a"), i * 300, 300));
        }

        var topUps = await tail.ReceiveWhileAsync<Batcher.Credit>(_ => true, idle: TimeSpan.FromMilliseconds(500)).ToListAsync();
        batcher.Tell(Batcher.GetStatus.Instance, TestActor);
        var status = await ExpectMsgAsync<Batcher.BatcherStatus>();
        status.BufferedBytes.Should().Be(chunk.MemoryBytes * 5);
        (granted + topUps.Sum(c => c.Bytes) + otherHolds).Should().BeLessThanOrEqualTo(budget + chunk.MemoryBytes, "credit is only given while the budget has room");
        status.CreditHeld.Should().Be(otherHolds, "with the budget spent, only the tail that has not read holds credit");
        status.TailsWaitingForCredit.Should().Be(1);
        await tail.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        Loki.Faults.Clear();
        await tail.ExpectMsgAsync<Batcher.Credit>(TimeSpan.FromSeconds(10));
        await Loki.WaitForEntriesAsync(1500).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_quiet_tail_gives_back_credit_beyond_its_fair_window_when_new_tails_would_wait()
    {
        // One tail reads alone and is topped up to a large window, then its container goes quiet; twelve
        // more containers start. Without the quiet tail's credit the budget cannot give each a first read.
        var budget = 256L * 1024;
        var (batcher, _) = StartPipeline(Options(budget: budget));
        var busy = CreateTestProbe("busy");
        busy.Send(batcher, Batcher.RegisterTail.Instance);
        var held = (await busy.ExpectMsgAsync<Batcher.Credit>()).Bytes;
        var chunk = Chunk(Stream("busy"), 0, 10);
        busy.Send(batcher, chunk);
        held += (await busy.ExpectMsgAsync<Batcher.Credit>()).Bytes - chunk.MemoryBytes;
        held.Should().Be(budget / 2, "alone, a tail may hold half the budget");
        await Loki.WaitForEntriesAsync(10).WaitAsync(TimeSpan.FromSeconds(10));

        var newcomers = Enumerable.Range(0, 12).Select(i => CreateTestProbe($"new{i}")).ToList();
        foreach (var tail in newcomers)
        {
            tail.Send(batcher, Batcher.RegisterTail.Instance);
        }

        var reclaim = await busy.ExpectMsgAsync<Batcher.ReturnCredit>();
        batcher.Tell(Batcher.GetStatus.Instance, TestActor);
        (await ExpectMsgAsync<Batcher.BatcherStatus>()).TailsWaitingForCredit.Should().BeGreaterThan(0, "the budget is held by the quiet tail");
        var fairWindow = budget / 2 / 13;
        (held - reclaim.Bytes).Should().BeInRange(fairWindow, budget / 2 / 10, "the quiet tail keeps a fair share of the budget, no more");

        busy.Reply(new Batcher.CreditReturned(reclaim.Bytes));
        foreach (var tail in newcomers)
        {
            var credit = await tail.ExpectMsgAsync<Batcher.Credit>();
            credit.Bytes.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(Options().InitialCredit);
        }

        batcher.Tell(Batcher.GetStatus.Instance, TestActor);
        var status = await ExpectMsgAsync<Batcher.BatcherStatus>();
        status.TailsWaitingForCredit.Should().Be(0);
        status.CreditHeld.Should().BeLessThanOrEqualTo(budget);
    }

    [Fact]
    public async Task Drop_oldest_drops_the_lines_waiting_longest_and_counts_them()
    {
        var first = Chunk(Stream("old"), 0, 100);
        Loki.Faults.Always(LokiFault.Status(503));
        var (batcher, positions) = StartPipeline(Options(maxWaitMs: 60_000, budget: (first.MemoryBytes * 2) + 10, whenFull: BufferFullPolicy.DropOldest));
        var tail = CreateTestProbe("tail");
        tail.Send(batcher, Batcher.RegisterTail.Instance);
        await tail.ExpectMsgAsync<Batcher.Credit>();

        tail.Send(batcher, first);
        tail.Send(batcher, Chunk(Stream("b"), 0, 100));
        tail.Send(batcher, Chunk(Stream("c"), 0, 100));

        (await tail.ExpectMsgAsync<Batcher.Credit>()).Bytes.Should().BeGreaterThan(0, "with drop-oldest the oldest lines make room: no tail waits");
        var dropped = await positions.ExpectMsgAsync<PositionsKeeper.Acknowledged>();
        dropped.Positions.Single().Key.PodUid.Should().Be("uid-old", "the dropped lines' position moves on: they will never be sent");
    }

    [Fact]
    public async Task Past_max_retries_a_batch_is_dropped_counted_and_the_pipeline_goes_on()
    {
        Loki.Faults.Next(3, LokiFault.Status(500));
        var (batcher, _) = StartPipeline(Options(maxRetries: 1));

        batcher.Tell(Chunk(Stream("lost"), 0, 5), TestActor);
        await Loki.WaitForRequestsAsync(2).WaitAsync(TimeSpan.FromSeconds(20));
        batcher.Tell(Chunk(Stream("kept"), 0, 5), TestActor);

        await Loki.WaitForEntriesAsync(5).WaitAsync(TimeSpan.FromSeconds(20));
        Loki.Streams().Select(s => s.LabelValues["pod"]).Should().Equal("kept");
    }

    [Fact]
    public async Task A_relabelled_streams_position_moves_only_over_lines_Loki_has_even_when_its_new_label_set_is_pushed_first()
    {
        var (batcher, positions) = StartPipeline(Options(maxBytes: 3_000, maxWaitMs: 60_000));
        var before = Stream("a");
        var after = before with { Labels = new LabelSetBuilder(LabelLimits.Default).Set("namespace", "dev1").Set("pod", "a").Set("container", "app").Set("team", "new").Build() };

        batcher.Tell(Chunk(before, 0, 10), TestActor);   // waits for max-wait (a minute) under the old labels
        batcher.Tell(Chunk(after, 10, 200), TestActor);  // over max-bytes under the new labels: pushed at once

        await Loki.WaitForEntriesAsync(200).WaitAsync(TimeSpan.FromSeconds(10));
        await positions.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        batcher.Tell(Batcher.Drain.Instance, TestActor);
        var acked = await positions.ExpectMsgAsync<PositionsKeeper.Acknowledged>(TimeSpan.FromSeconds(10));
        acked.Positions.Single().Position.Skip.Should().Be(210, "the position moves once the older lines are in Loki too");
    }

    [Fact]
    public async Task Configuration_errors_never_use_up_max_retries()
    {
        Loki.Faults.Next(4, LokiFault.Status(401));
        var (batcher, _) = StartPipeline(Options(maxRetries: 1));

        batcher.Tell(Chunk(Stream("kept"), 0, 5), TestActor);

        await Loki.WaitForEntriesAsync(5).WaitAsync(TimeSpan.FromSeconds(20));
        Loki.Statistics.RequestsByStatus[401].Should().Be(4);
    }

    [Fact]
    public async Task Drain_pushes_everything_buffered_at_once_and_answers_when_Loki_has_it()
    {
        var (batcher, _) = StartPipeline(Options(maxWaitMs: 600_000));
        batcher.Tell(Chunk(Stream("a"), 0, 30), TestActor);
        batcher.Tell(Chunk(Stream("b"), 0, 30), TestActor);

        batcher.Tell(Batcher.Drain.Instance, TestActor);

        await FishForMessageAsync<Batcher.Drained>(_ => true, TimeSpan.FromSeconds(10));
        Loki.Statistics.EntriesAccepted.Should().Be(60);
    }

    [Fact]
    public async Task Flushing_one_container_pushes_its_lines_now_and_answers_after_its_positions_went_to_the_keeper()
    {
        // Batches wait 10 s: only the flush makes a's lines go now; b's stay pending.
        var (batcher, positions) = StartPipeline(Options(maxWaitMs: 10_000));
        var a = Stream("a");
        var b = Stream("b");
        batcher.Tell(Batcher.RegisterTail.Instance, TestActor);
        await ExpectMsgAsync<Batcher.Credit>();
        batcher.Tell(Chunk(a, 0, 30), TestActor);
        batcher.Tell(Chunk(b, 0, 10), TestActor);
        batcher.Tell(Chunk(a, 30, 30), TestActor);

        batcher.Tell(new Batcher.FlushStreams("uid-a", "app", TimeSpan.FromSeconds(5)), TestActor);

        var acknowledged = await positions.FishForMessageAsync<PositionsKeeper.Acknowledged>(m => m is PositionsKeeper.Acknowledged, TimeSpan.FromSeconds(5));
        acknowledged.Positions.Should().ContainSingle().Which.Position.Should().Be(Chunk(a, 30, 30).PositionAfter);
        var flushed = await FishForMessageAsync<Batcher.StreamsFlushed>(m => m is Batcher.StreamsFlushed, TimeSpan.FromSeconds(5));
        flushed.Should().Be(new Batcher.StreamsFlushed("uid-a", "app", 0));
        Sequences(Received("a")).Should().Equal(Enumerable.Range(0, 60));
        Loki.Streams().Should().NotContain(s => s.LabelValues["pod"] == "b", "b's lines wait for their batch's max-wait");
    }

    [Fact]
    public async Task A_flush_that_cannot_finish_answers_at_its_deadline_with_what_is_left()
    {
        // No pusher: nothing can be acknowledged.
        var positions = CreateTestProbe("positions");
        var batcher = Sys.ActorOf(Batcher.Props(Options(), positions.Ref, _metrics), "lonely-batcher");
        var a = Stream("a");
        batcher.Tell(Batcher.RegisterTail.Instance, TestActor);
        await ExpectMsgAsync<Batcher.Credit>();
        batcher.Tell(Chunk(a, 0, 10), TestActor);
        batcher.Tell(Chunk(a, 10, 10), TestActor);

        batcher.Tell(new Batcher.FlushStreams("uid-a", "app", TimeSpan.FromMilliseconds(300)), TestActor);

        var flushed = await FishForMessageAsync<Batcher.StreamsFlushed>(m => m is Batcher.StreamsFlushed, TimeSpan.FromSeconds(5));
        flushed.Should().Be(new Batcher.StreamsFlushed("uid-a", "app", 2));
        positions.ExpectNoMsg(TimeSpan.Zero);
    }

    private static long Stamp(TimeSpan ago) => (DateTimeOffset.UtcNow - ago).ToUnixTimeMilliseconds() * 1_000_000L;

    [Fact]
    public async Task Lines_older_than_max_wait_a_backlog_go_out_at_once_while_fresh_lines_wait()
    {
        var (batcher, _) = StartPipeline(Options(maxWaitMs: 60_000));

        batcher.Tell(Chunk(Stream("fresh"), 0, 10), TestActor);
        batcher.Tell(Chunk(Stream("backlog"), 0, 10, Stamp(TimeSpan.FromMinutes(2))), TestActor);

        await Loki.WaitForEntriesAsync(10).WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Loki.Streams().Select(s => s.LabelValues["pod"]).Should().Equal(["backlog"], "lines written two minutes ago have waited max-wait already; lines written now wait a minute");
    }

    [Fact]
    public async Task Max_wait_counts_from_the_first_lines_timestamp_not_from_when_the_batcher_got_it()
    {
        var (batcher, _) = StartPipeline(Options(maxWaitMs: 60_000));

        // Written 59.5 s ago (read late: a slow API server, a tail that was waiting for credit): due in half a second.
        batcher.Tell(Chunk(Stream("late"), 0, 10, Stamp(TimeSpan.FromSeconds(59.5))), TestActor);

        await Loki.WaitForEntriesAsync(10).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_node_clock_ahead_of_ours_delays_a_batch_no_longer_than_max_wait()
    {
        var (batcher, _) = StartPipeline(Options(maxWaitMs: 300));

        batcher.Tell(Chunk(Stream("ahead"), 0, 10, Stamp(TimeSpan.FromMinutes(-10))), TestActor);

        await Loki.WaitForEntriesAsync(10).WaitAsync(TimeSpan.FromSeconds(20));
    }
}

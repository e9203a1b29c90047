using System.Net.Sockets;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using static ActorLoki.Simulator.Tests.Loki.Pushes;

namespace ActorLoki.Simulator.Tests.Loki;

public sealed class LokiFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits, within a bound, for a condition nothing can await: a timer armed on the manual clock by the
    /// server's own thread (advancing the clock before it is armed would leave it waiting for ever).
    /// </summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within the bound");
            await Task.Delay(1);
        }
    }

    private static HttpContent OneLine(string line = "x") => Protobuf(Stream("{app=\"api\"}", (T0, line)));

    [Fact]
    public async Task The_next_requests_get_the_armed_status_with_retry_after_and_then_pushes_work_again()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Next(2, LokiFault.Status(429, retryAfter: "3"));

        var first = await PostAsync(receiver.PushUrl, OneLine("1"));
        var second = await PostAsync(receiver.PushUrl, OneLine("2"));
        var third = await PostAsync(receiver.PushUrl, OneLine("3"));

        first.Status.Should().Be(429);
        first.Response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(3));
        first.Body.Should().Contain("Ingestion rate limit exceeded");
        second.Status.Should().Be(429);
        third.Status.Should().Be(204);
        receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("3");
        receiver.Statistics.RequestsByStatus.Should().Equal(new Dictionary<int, long> { [429] = 2, [204] = 1 });
    }

    [Fact]
    public async Task Skipped_requests_pass_untouched_before_the_fault_applies()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Next(1, LokiFault.Status(500, body: "boom"), skip: 1);

        var statuses = new List<int>();
        foreach (var line in new[] { "1", "2", "3" })
        {
            statuses.Add((await PostAsync(receiver.PushUrl, OneLine(line))).Status);
        }

        statuses.Should().Equal(204, 500, 204);
    }

    [Fact]
    public async Task A_fault_for_a_window_applies_until_the_receiver_s_clock_passes_it()
    {
        var time = new ManualTimeProvider(Start);
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = time });
        receiver.Faults.During(TimeSpan.FromMinutes(1), LokiFault.Status(503));

        var during = await PostAsync(receiver.PushUrl, OneLine());
        time.Advance(TimeSpan.FromSeconds(59));
        var stillDuring = await PostAsync(receiver.PushUrl, OneLine());
        time.Advance(TimeSpan.FromSeconds(1));
        var after = await PostAsync(receiver.PushUrl, OneLine());

        (during.Status, stillDuring.Status, after.Status).Should().Be((503, 503, 204));
    }

    [Fact]
    public async Task Too_large_answers_413_only_above_the_size_until_cleared()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Always(LokiFault.TooLargeAbove(100));
        var random = new Random(1);
        var big = new string(Enumerable.Range(0, 500).Select(_ => (char)random.Next(33, 126)).ToArray());

        var large = await PostAsync(receiver.PushUrl, OneLine(big));
        var small = await PostAsync(receiver.PushUrl, OneLine("small"));
        receiver.Faults.Clear();
        var largeAgain = await PostAsync(receiver.PushUrl, OneLine(big));

        large.Status.Should().Be(413);
        large.Body.Should().StartWith("request body too large:").And.Contain("limit: 100 bytes");
        small.Status.Should().Be(204);
        largeAgain.Status.Should().Be(204);
    }

    [Fact]
    public async Task A_slow_receiver_answers_after_the_delay_on_its_clock()
    {
        var time = new ManualTimeProvider(Start);
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = time });
        receiver.Faults.Next(1, LokiFault.Slow(TimeSpan.FromSeconds(5)));

        var push = PostAsync(receiver.PushUrl, OneLine());
        await UntilAsync(() => time.ActiveTimers > 0);
        push.IsCompleted.Should().BeFalse();

        time.Advance(TimeSpan.FromSeconds(5));
        (await push.WaitAsync(Bound)).Status.Should().Be(204);
    }

    [Fact]
    public async Task A_hanging_receiver_never_answers_until_the_client_gives_up()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Next(1, LokiFault.Hang);
        using var http = new HttpClient();
        using var giveUp = new CancellationTokenSource();

        var push = http.PostAsync(receiver.PushUrl, OneLine(), giveUp.Token);
        await receiver.WaitForRequestsAsync(1).WaitAsync(Bound);
        push.IsCompleted.Should().BeFalse();
        await giveUp.CancelAsync();

        await FluentActions.Awaiting(() => push.WaitAsync(Bound)).Should().ThrowAsync<OperationCanceledException>();
        (await PostAsync(receiver.PushUrl, OneLine())).Status.Should().Be(204);
        receiver.Statistics.EntriesAccepted.Should().Be(1);
    }

    [Fact]
    public async Task A_reset_aborts_the_connection_without_an_answer()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Next(1, LokiFault.Reset);

        await FluentActions.Awaiting(() => PostAsync(receiver.PushUrl, OneLine())).Should().ThrowAsync<HttpRequestException>();
        receiver.Statistics.RequestsByStatus.Should().Equal(new Dictionary<int, long> { [0] = 1 });
        receiver.Statistics.EntriesAccepted.Should().Be(0);
    }

    [Fact]
    public async Task A_receiver_down_for_a_window_refuses_connections_then_listens_again_on_the_same_port_with_its_streams()
    {
        var time = new ManualTimeProvider(Start);
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = time });
        await PostAsync(receiver.PushUrl, OneLine("before"));
        var address = receiver.PushUrl;

        var outage = receiver.GoDownForAsync(TimeSpan.FromSeconds(30));
        await UntilAsync(() => !receiver.IsUp && time.ActiveTimers > 0);

        var refused = await FluentActions.Awaiting(() => PostAsync(address, OneLine("during"))).Should().ThrowAsync<HttpRequestException>();
        refused.Which.InnerException.Should().BeOfType<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
        time.Advance(TimeSpan.FromSeconds(30));
        await outage.WaitAsync(Bound);
        var after = await PostAsync(address, OneLine("after"));

        receiver.PushUrl.Should().Be(address);
        after.Status.Should().Be(204);
        receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("before", "after");
    }

    [Fact]
    public async Task A_hanging_request_does_not_hold_up_going_down()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start) });
        receiver.Faults.Always(LokiFault.Hang);
        using var http = new HttpClient();

        var push = http.PostAsync(receiver.PushUrl, OneLine());
        await receiver.WaitForRequestsAsync(1).WaitAsync(Bound);
        await receiver.GoDownAsync().WaitAsync(Bound);

        await FluentActions.Awaiting(() => push.WaitAsync(Bound)).Should().ThrowAsync<HttpRequestException>();
    }
}

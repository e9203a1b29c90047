using Akka.Actor;
using ActorLoki.Loki;
using ActorLoki.Shipper.Pipeline;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Tests.Pipeline;

public sealed class LokiPusherTests() : ShipperTestKit(loggers: Logs)
{
    private static readonly CapturingLoggerFactory Logs = new();

    [Fact]
    public async Task A_failure_that_is_not_an_answer_from_Loki_is_logged_as_an_error_and_the_batch_is_retried()
    {
        // Out of memory or a bug in the client must not be silent: the back-off restart alone is logged at Debug,
        // and a shipper whose every push failed that way just stalled, saying nothing.
        await using var loki = await LokiReceiver.StartAsync();
        var client = new LokiClient(new LokiClientOptions { Url = loki.PushUrl, Timeout = TimeSpan.FromSeconds(5) });
        client.Dispose(); // every push now throws ObjectDisposedException
        var batcher = CreateTestProbe("batcher");
        Sys.ActorOf(LokiPusher.SupervisedProps(client, batcher.Ref, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100), 0.1, TimeSpan.FromSeconds(1)), "push");
        var stream = new PushStream(new LabelSetBuilder(LabelLimits.Default).Set("app", "a").Build());
        stream.Add(1, "line"u8.ToArray());
        var batch = new PushBatch(7, [stream]);

        await batcher.ExpectMsgAsync<Batcher.RequestWork>();
        batcher.Reply(new Batcher.PushWork(batch, PushCursor.Start, 1));

        await batcher.ExpectMsgAsync<Batcher.RequestWork>(TimeSpan.FromSeconds(5)); // restarted, asks for the batch again
        var error = Logs.Entries.Should().ContainSingle(e => e.Id.Id == 4101).Which;
        error.Level.Should().Be(LogLevel.Error);
        error.Exception.Should().BeOfType<ObjectDisposedException>();
        error.Message.Should().Contain("batch 7");
    }
}

using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class FuturesTests() : TestKit(manualTime: true)
{
    private sealed record Chunk(int Bytes);

    private sealed record ReadFailed(string Reason);

    [Fact]
    public async Task PipeTo_sends_the_mapped_result_of_a_pending_task()
    {
        var source = new TaskCompletionSource<int>();

        _ = source.Task.PipeTo(TestActor, success: n => new Chunk(n), failure: e => new ReadFailed(e.Message));
        source.SetResult(42);

        await ExpectMsgAsync(new Chunk(42));
    }

    [Fact]
    public async Task PipeTo_sends_the_mapped_failure()
    {
        _ = Task.FromException<int>(new IOException("reset")).PipeTo(TestActor, success: n => new Chunk(n), failure: e => new ReadFailed(e.Message));

        await ExpectMsgAsync(new ReadFailed("reset"));
    }

    [Fact]
    public async Task PipeTo_without_mappings_sends_the_result_or_a_Status_Failure()
    {
        _ = Task.FromResult("value").PipeTo(TestActor);
        await ExpectMsgAsync("value");

        var cancelled = new TaskCompletionSource<string>();
        _ = cancelled.Task.PipeTo(TestActor);
        cancelled.SetCanceled();
        (await ExpectMsgAsync<Status.Failure>()).Cause.Should().BeAssignableTo<OperationCanceledException>();
    }

    [Fact]
    public async Task PipeTo_of_a_pending_value_task_delivers_once_it_completes()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var stream = pipe.Reader.AsStream();
        var buffer = new byte[16];

        stream.ReadAsync(buffer).PipeTo(TestActor, success: n => new Chunk(n));
        await ExpectNoMsgAsync();
        await pipe.Writer.WriteAsync(new byte[5]);

        await ExpectMsgAsync(new Chunk(5));
    }

    [Fact]
    public async Task Ask_returns_the_reply()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));

        (await echo.Ask<string>("hi", TimeSpan.FromSeconds(3))).Should().Be("hi");
    }

    [Fact]
    public async Task Ask_rethrows_a_Status_Failure_reply()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));

        var ask = () => echo.Ask<string>(new Status.Failure(new InvalidOperationException("nope")), TimeSpan.FromSeconds(3));

        await ask.Should().ThrowAsync<InvalidOperationException>().WithMessage("nope");
    }

    [Fact]
    public async Task Ask_times_out_on_the_system_clock()
    {
        var silent = Sys.ActorOf(Props.Create(() => new Silent()));

        var ask = silent.Ask<string>("hello", TimeSpan.FromSeconds(5));
        Time.Advance(TimeSpan.FromSeconds(4));
        ask.IsCompleted.Should().BeFalse();
        Time.Advance(TimeSpan.FromSeconds(1));

        await ask.Invoking(a => a).Should().ThrowAsync<AskTimeoutException>();
        Time.ActiveTimers.Should().Be(0, "the timeout timer is released");
    }

    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    [Fact]
    public async Task GracefulStop_completes_when_the_actor_has_stopped()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));

        (await echo.GracefulStop(TimeSpan.FromSeconds(3))).Should().BeTrue();

        (await echo.GracefulStop(TimeSpan.FromSeconds(3))).Should().BeTrue("an actor already stopped is reported at once");
    }
}

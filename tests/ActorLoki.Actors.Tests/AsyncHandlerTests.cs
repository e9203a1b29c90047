using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class AsyncHandlerTests : TestKit
{
    private sealed record Work(string Name, TaskCompletionSource Gate);

    private sealed class Worker : ReceiveActor
    {
        public Worker(IActorRef probe)
        {
            ReceiveAsync<Work>(async work =>
            {
                probe.Tell($"start {work.Name}");
                await work.Gate.Task;
                // Resumed on the actor: Self and Sender are this actor's, on its own turn.
                probe.Tell($"end {work.Name} from {Self.Path.Name}");
            });
            Receive<string>(s => probe.Tell($"sync {s}"));
        }
    }

    [Fact]
    public async Task The_next_message_waits_until_the_async_handler_completes()
    {
        var worker = Sys.ActorOf(Props.Create(() => new Worker(TestActor)), "worker");
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        worker.Tell(new Work("a", first));
        worker.Tell("b");

        await ExpectMsgAsync("start a");
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        first.SetResult();
        await ExpectMsgAsync("end a from worker");
        await ExpectMsgAsync("sync b");
    }

    private sealed class StoppableWorker : ReceiveActor
    {
        public StoppableWorker(IActorRef probe)
        {
            ReceiveAsync<string>(async _ =>
            {
                var token = Context.LifetimeToken;
                token.Register(() => probe.Tell("token cancelled"));
                probe.Tell("awaiting");
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                finally
                {
                    // Never runs on the actor: the continuation belongs to an ended incarnation.
                    probe.Tell("rest of handler ran");
                }
            });
        }
    }

    [Fact]
    public async Task Stopping_during_an_async_handler_cancels_its_token_and_discards_the_rest()
    {
        var worker = Sys.ActorOf(Props.Create(() => new StoppableWorker(TestActor)), "worker");
        Watch(worker);
        worker.Tell("go");
        await ExpectMsgAsync("awaiting");

        Sys.Stop(worker);

        await ExpectMsgAsync("token cancelled");
        await ExpectMsgAsync<Terminated>(t => ReferenceEquals(t.ActorRef, worker));
        await ExpectNoMsgAsync();
    }

    private sealed class FailingAsync : ReceiveActor
    {
        private int _handled;

        public FailingAsync(IActorRef probe)
        {
            ReceiveAsync<string>(async s =>
            {
                await Task.Yield();
                if (s == "fail")
                {
                    throw new InvalidOperationException("boom");
                }

                probe.Tell($"{s} {++_handled}");
            });
        }
    }

    [Fact]
    public async Task A_faulted_async_handler_fails_the_actor_like_a_throwing_one()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailingAsync(TestActor)));

        actor.Tell("a");
        actor.Tell("fail");
        actor.Tell("b");

        await ExpectMsgAsync("a 1");
        await ExpectMsgAsync("b 1", TimeSpan.FromSeconds(3));
    }

    private sealed class AsyncVoid : ReceiveActor
    {
        public AsyncVoid() => Receive<string>(async _ => await Task.Yield());
    }

    [Fact]
    public async Task An_async_lambda_passed_to_Receive_is_refused()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Event.ActorStopped));
        var actor = Sys.ActorOf(Props.Create(() => new AsyncVoid()));

        // The constructor throws, so the default decider stops the actor.
        (await ExpectMsgAsync<Event.ActorStopped>()).Actor.Should().BeSameAs(actor);
    }
}

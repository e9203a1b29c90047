using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace ActorLoki.Benchmarks.Micro;

/// <summary>Akka.NET's cost per message: a ping-pong pair (one message in flight) and a burst told to one actor; per message.</summary>
[MemoryDiagnoser]
public class ActorMessagingBenchmarks // not sealed: BenchmarkDotNet derives from it
{
    private const int Messages = 20_000;
    private ActorSystem _system = null!;
    private IActorRef _ping = null!;
    private IActorRef _pong = null!;
    private IActorRef _counter = null!;
    private Signal _signal = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("micro");
        _signal = new Signal();
        _pong = _system.ActorOf(Props.Create(() => new Pong()), "pong");
        _ping = _system.ActorOf(Props.Create(() => new Ping(_signal)), "ping");
        _counter = _system.ActorOf(Props.Create(() => new Counter(_signal)), "counter");
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _system.Terminate();

    [Benchmark(Description = "ping-pong, one in flight, per message", OperationsPerInvoke = Messages)]
    public async Task PingPong()
    {
        var done = _signal.Arm();
        _ping.Tell(new Serve(_pong, Messages / 2), null);
        await done;
    }

    [Benchmark(Description = "tell a burst to one actor, per message", OperationsPerInvoke = Messages)]
    public async Task TellBurst()
    {
        var done = _signal.Arm();
        for (var i = 0; i < Messages; i++)
        {
            _counter.Tell(i, null);
        }

        _counter.Tell(Done.Instance, null);
        await done;
    }

    /// <summary>Completes the operation in progress (one at a time).</summary>
    public sealed class Signal
    {
        private TaskCompletionSource _done = new();

        public Task Arm()
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _done.Task;
        }

        public void Complete() => _done.TrySetResult();
    }

    private sealed record Serve(IActorRef Pong, int Exchanges);

    private sealed record Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed record Done
    {
        public static readonly Done Instance = new();
    }

    private sealed class Ping : ReceiveActor
    {
        private int _left;

        public Ping(Signal signal)
        {
            Receive<Serve>(serve =>
            {
                _left = serve.Exchanges;
                serve.Pong.Tell(Ball.Instance, Self);
            });
            Receive<Ball>(_ =>
            {
                if (--_left > 0)
                {
                    Sender.Tell(Ball.Instance, Self);
                    return;
                }

                signal.Complete();
            });
        }
    }

    private sealed class Pong : ReceiveActor
    {
        public Pong() => Receive<Ball>(ball => Sender.Tell(ball, Self));
    }

    private sealed class Counter : ReceiveActor
    {
        private long _sum;

        public Counter(Signal signal)
        {
            Receive<int>(i => _sum += i);
            Receive<Done>(_ => signal.Complete());
        }
    }
}

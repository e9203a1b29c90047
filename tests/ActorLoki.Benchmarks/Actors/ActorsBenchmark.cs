using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;

namespace ActorLoki.Benchmarks.Actors;

/// <summary>
/// Message throughput of Akka.NET as ActorLoki configures it: one-to-one ping-pong and many-to-one fan-in, as wall-clock
/// messages/second and messages per CPU-second, on all cores and (in a child process pinned with taskset
/// and DOTNET_PROCESSOR_COUNT=1) on one core. Also the raw cost of the mailbox queue against a channel.
/// </summary>
public sealed class ActorsBenchmark : IBenchmark
{
    private const string OneCoreFlag = "--one-core-child";

    public string Name => "actors";

    public string Description => "Akka.NET actors: ping-pong and fan-in messages/s, all cores and one core";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = await Scenarios(cancellationToken);
        if (args.Contains(OneCoreFlag))
        {
            foreach (var row in rows)
            {
                Console.WriteLine(row.Serialize());
            }

            return 0;
        }

        var oneCore = await RunOnOneCore(cancellationToken);
        Console.WriteLine($"ActorLoki {Program.Version}, .NET {Environment.Version}, {Environment.ProcessorCount} cores, {(oneCore.Note ?? "one-core rows pinned with taskset -c 0 and DOTNET_PROCESSOR_COUNT=1")}");
        Console.WriteLine();
        Console.WriteLine("| scenario | cores | messages | wall s | messages/s | messages/CPU-s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in rows.Select(r => (r, "all")).Concat(oneCore.Rows.Select(r => (r, "1"))))
        {
            Console.WriteLine(row.r.Markdown(row.Item2));
        }

        Console.WriteLine();
        Console.WriteLine(QueueComparison());
        return 0;
    }

    private static async Task<List<Row>> Scenarios(CancellationToken cancellationToken)
    {
        // A short warm-up so tiered JIT has settled before anything is timed.
        await PingPong(200_000, 1, cancellationToken);
        await FanIn(8, 200_000, cancellationToken);
        return
        [
            await PingPong(4_000_000, 1, cancellationToken),
            await PingPong(8_000_000, 100, cancellationToken),
            await FanIn(8, 2_000_000, cancellationToken),
        ];
    }

    private static async Task<(List<Row> Rows, string? Note)> RunOnOneCore(CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var taskset = File.Exists("/usr/bin/taskset") ? "/usr/bin/taskset" : null;
        if (taskset is not null)
        {
            info.FileName = taskset;
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("0");
            info.ArgumentList.Add(self);
        }
        else
        {
            info.FileName = self;
        }

        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ActorsBenchmark).Assembly.Location);
        }

        info.ArgumentList.Add("actors");
        info.ArgumentList.Add(OneCoreFlag);
        info.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        using var child = Process.Start(info)!;
        var output = await child.StandardOutput.ReadToEndAsync(cancellationToken);
        await child.WaitForExitAsync(cancellationToken);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Row.Parse).OfType<Row>().ToList();
        return (rows, taskset is null ? "one-core rows limited by DOTNET_PROCESSOR_COUNT=1 only (no taskset)" : null);
    }

    private static async Task<Row> PingPong(int messages, int inFlight, CancellationToken cancellationToken)
    {
        var system = ActorSystem.Create("pingpong");
        await using var terminating = new Terminating(system);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exchanges = messages / 2;
        var pong = system.ActorOf(Props.Create(() => new Pong()), "pong");
        var ping = system.ActorOf(Props.Create(() => new Ping(pong, exchanges, done)), "ping");
        return await Measure($"ping-pong, 1 pair, {inFlight} in flight", exchanges * 2, () =>
        {
            for (var i = 0; i < inFlight; i++)
            {
                ping.Tell(Ball.Instance, pong);
            }

            return done.Task.WaitAsync(cancellationToken);
        });
    }

    private static async Task<Row> FanIn(int producers, int perProducer, CancellationToken cancellationToken)
    {
        var system = ActorSystem.Create("fanin");
        await using var terminating = new Terminating(system);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = system.ActorOf(Props.Create(() => new Sink(producers * perProducer, done)), "sink");
        var senders = Enumerable.Range(0, producers)
            .Select(i => system.ActorOf(Props.Create(() => new Producer(sink, perProducer)), $"producer-{i}"))
            .ToList();
        return await Measure($"fan-in, {producers} producers to 1 actor", producers * perProducer, () =>
        {
            foreach (var sender in senders)
            {
                sender.Tell(Go.Instance, null);
            }

            return done.Task.WaitAsync(cancellationToken);
        });
    }

    private static async Task<Row> Measure(string name, long messages, Func<Task> run)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await run();
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        return new Row(name, messages, clock.Elapsed.TotalSeconds, cpu.TotalSeconds);
    }

    /// <summary>
    /// The mailbox's queue against an unbounded single-reader channel: 4 writers and 1 reader at once,
    /// nanoseconds of wall time per message (the channel's writers share a lock; the queue's do not).
    /// </summary>
    private static string QueueComparison()
    {
        const int PerWriter = 2_000_000;
        const int Writers = 4;
        var queue = new ConcurrentQueue<(object, object?)>();
        var queueNs = Concurrently(() => queue.Enqueue((Ball.Instance, null)), () => queue.TryDequeue(out _));
        var channel = Channel.CreateUnbounded<(object, object?)>(new UnboundedChannelOptions { SingleReader = true });
        var channelNs = Concurrently(() => channel.Writer.TryWrite((Ball.Instance, null)), () => channel.Reader.TryRead(out _));
        return $"""
            | mailbox queue, {Writers} writers and 1 reader at once | ns/message |
            |---|---:|
            | ConcurrentQueue (used) | {queueNs:F1} |
            | Channel.CreateUnbounded(SingleReader) | {channelNs:F1} |
            """;

        static double Concurrently(Action write, Func<bool> read)
        {
            var clock = Stopwatch.StartNew();
            var writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < PerWriter; i++)
                {
                    write();
                }
            })).ToArray();
            for (var left = (long)PerWriter * Writers; left > 0;)
            {
                if (read())
                {
                    left--;
                }
            }

            Task.WaitAll(writers);
            return clock.Elapsed.TotalNanoseconds / ((double)PerWriter * Writers);
        }
    }

    private sealed record Row(string Scenario, long Messages, double WallSeconds, double CpuSeconds)
    {
        public string Markdown(string cores) => string.Create(
            CultureInfo.InvariantCulture,
            $"| {Scenario} | {cores} | {Messages:N0} | {WallSeconds:F2} | {Messages / WallSeconds:N0} | {Messages / CpuSeconds:N0} |");

        public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"ROW\t{Scenario}\t{Messages}\t{WallSeconds:R}\t{CpuSeconds:R}");

        public static Row? Parse(string line)
        {
            var parts = line.TrimEnd('\r').Split('\t');
            return parts is ["ROW", var scenario, var messages, var wall, var cpu]
                ? new Row(scenario, long.Parse(messages, CultureInfo.InvariantCulture), double.Parse(wall, CultureInfo.InvariantCulture), double.Parse(cpu, CultureInfo.InvariantCulture))
                : null;
        }
    }

    private sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed class Go
    {
        public static readonly Go Instance = new();
    }

    private sealed class Ping(IActorRef pong, int exchanges, TaskCompletionSource done) : UntypedActor
    {
        private int _left = exchanges;

        protected override void OnReceive(object message)
        {
            if (--_left == 0)
            {
                done.TrySetResult();
            }
            else if (_left > 0)
            {
                pong.Tell(message, Self);
            }
        }
    }

    private sealed class Pong : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed class Producer(IActorRef sink, int count) : UntypedActor
    {
        private const int Burst = 1_000;
        private int _left = count;

        protected override void OnReceive(object message)
        {
            // Bursts, then a message to itself: producers interleave instead of one hogging a thread.
            for (var i = 0; i < Burst && _left > 0; i++, _left--)
            {
                sink.Tell(Ball.Instance, Self);
            }

            if (_left > 0)
            {
                Self.Tell(Go.Instance, Self);
            }
        }
    }

    private sealed class Sink(long expected, TaskCompletionSource done) : UntypedActor
    {
        private long _received;

        protected override void OnReceive(object message)
        {
            if (++_received == expected)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>Terminates an actor system at the end of a scope (Akka's ActorSystem is disposable only synchronously).</summary>
    private sealed class Terminating(ActorSystem system) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await system.Terminate();
    }
}

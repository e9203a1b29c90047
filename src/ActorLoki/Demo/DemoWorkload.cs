using System.Globalization;
using ActorLoki.Shipper.Settings;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Demo;

/// <summary>
/// What the demo's simulated namespace runs: a few web pods writing JSON access logs, text lines and now and
/// then a multi-line stack trace (the simulator's <see cref="Scenario"/>), short-lived Job pods, and a worker
/// that crash-loops — it starts, works a little, dies with a stack trace, waits in CrashLoopBackOff and starts
/// again. Every line lands in the cluster's ledger. One driver: <see cref="Advance"/> is not thread-safe.
/// </summary>
internal sealed class DemoWorkload
{
    public const string Namespace = "actorloki-demo";
    public const string WorkerPod = "payments-worker-6f7d9c-x2k8p";
    public const string WorkerContainer = "worker";

    // The worker logs compact JSON, as Serilog's CLEF or a .NET JSON console does; its crash carries the stack trace
    // in one line's escaped "@x" field (the web pods' stack traces are the multi-line kind).
    private const string Crash =
        "\"@l\":\"Fatal\",\"@mt\":\"Host terminated unexpectedly\",\"@x\":\"System.InvalidOperationException: Queue 'payments.settle' does not exist on amqp://rabbitmq.payments.svc:5672\\n"
        + "   at Payments.Worker.Messaging.QueueConsumer.BindAsync(String queue, CancellationToken cancellationToken) in /src/Worker/Messaging/QueueConsumer.cs:line 88\\n"
        + "   at Payments.Worker.Messaging.QueueConsumer.StartAsync(CancellationToken cancellationToken) in /src/Worker/Messaging/QueueConsumer.cs:line 41\\n"
        + "   at Microsoft.Extensions.Hosting.Internal.Host.StartAsync(CancellationToken cancellationToken)\\n"
        + "   at Payments.Worker.Program.Main(String[] args) in /src/Worker/Program.cs:line 27\",\"ExitCode\":134";

    private static readonly TimeSpan WorkerLineInterval = TimeSpan.FromMilliseconds(500);

    // Shorter than the kubelet's (10 s, doubling to 5 min) so that a short demo shows a few crashes.
    private static readonly TimeSpan BackOff = TimeSpan.FromSeconds(2);

    private bool _backingOff;

    private readonly SimulatedCluster _cluster;
    private readonly DemoSettings _settings;
    private readonly Scenario _scenario;
    private TimeSpan _inState;

    // Time since the worker last started, and since its last line.
    private TimeSpan _sinceWorkerLine;
    private int _batch;

    public DemoWorkload(SimulatedCluster cluster, DemoSettings settings)
    {
        _cluster = cluster;
        _settings = settings;
        _scenario = new Scenario(cluster, new ScenarioOptions
        {
            Namespace = Namespace,
            PodPrefix = "checkout",
            Pods = settings.Pods,
            LinesPerSecondPerContainer = settings.LinesPerSecond,
            LineBytes = 160,
            JsonShare = 0.6,
            StackTraceProbability = 0.01,
            JobsPerMinute = 60 / settings.JobInterval.TotalSeconds,
            JobLines = 15,
            JobTimeToLive = settings.JobInterval * 2,
            Seed = Environment.TickCount,
        });
    }

    /// <summary>Creates the pods; the worker starts at once.</summary>
    public void Start()
    {
        _scenario.Start();
        _cluster.CreatePod(new PodSpecification(WorkerPod)
        {
            Namespace = Namespace,
            Containers = [WorkerContainer],
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "payments-worker", ["pod-template-hash"] = "6f7d9c" },
            Owner = ("ReplicaSet", "payments-worker-6f7d9c"),
            Image = "registry.example/payments-worker:2.3.1",
        });
        WorkerStarted();
    }

    /// <summary>Moves the namespace on by <paramref name="elapsed"/>: lines, jobs, and the worker's crash loop.</summary>
    public void Advance(TimeSpan elapsed)
    {
        _scenario.Advance(elapsed);
        _inState += elapsed;
        if (_backingOff)
        {
            // CrashLoopBackOff: the dead instance's log is what the API serves until the next one starts.
            if (_inState >= BackOff)
            {
                _cluster.StartContainer(Namespace, WorkerPod, WorkerContainer);
                _backingOff = false;
                WorkerStarted();
            }

            return;
        }

        _sinceWorkerLine += elapsed;
        for (; _sinceWorkerLine >= WorkerLineInterval; _sinceWorkerLine -= WorkerLineInterval)
        {
            _batch++;
            Worker(string.Create(CultureInfo.InvariantCulture, $"\"@mt\":\"Settled batch {{Batch}} of {{Payments}} payments\",\"Batch\":{_batch},\"Payments\":{(_batch * 7 % 23) + 1}"));
        }

        if (_inState >= _settings.CrashInterval)
        {
            Worker(Crash);

            // It dies and waits in CrashLoopBackOff before the kubelet starts it again.
            _cluster.RestartContainer(Namespace, WorkerPod, WorkerContainer, exitCode: 134, backOff: true);
            _backingOff = true;
            _inState = TimeSpan.Zero;
        }
    }

    private void WorkerStarted()
    {
        _inState = TimeSpan.Zero;
        _sinceWorkerLine = TimeSpan.Zero;
        Worker("\"@mt\":\"Starting {Service} {Version}\",\"Service\":\"payments-worker\",\"Version\":\"2.3.1\"");
        Worker("\"@mt\":\"Connecting to {Broker}\",\"Broker\":\"amqp://rabbitmq.payments.svc:5672\"");
    }

    /// <summary>Writes one CLEF line: its own timestamp first (which also keeps repeated messages distinct), then <paramref name="fields"/>.</summary>
    private void Worker(string fields)
    {
        var now = _cluster.Time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        _cluster.WriteLog(Namespace, WorkerPod, WorkerContainer, $"{{\"@t\":\"{now}\",{fields}}}");
    }
}

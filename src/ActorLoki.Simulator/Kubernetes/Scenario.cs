using System.Buffers.Text;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// Drives a simulated namespace: pods whose containers write numbered lines at a given rate (JSON access
/// logs, plain text, and now and then a multi-line stack trace), pod churn, container restarts, init
/// containers and short-lived Job pods. Every line starts with <c>seq=N pod=P c=C</c>, N counting per
/// container across restarts, and is recorded in the cluster's <see cref="Ledger"/>. All randomness comes
/// from <see cref="ScenarioOptions.Seed"/>: the same calls produce the same lines and events.
/// Line generation writes straight into the container's log buffer; not thread-safe (one driver).
/// </summary>
public sealed class Scenario
{
    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
    private static readonly string[] Paths = ["/api/v1/items", "/api/v1/orders", "/healthz", "/api/v1/users", "/metrics", "/api/v1/cart"];
    private static readonly int[] Statuses = [200, 200, 200, 200, 201, 204, 304, 400, 404, 500];
    private static readonly string[] Levels = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN "];
    private static readonly string[] Frames =
    [
        "   at Shop.Orders.OrderService.Submit(Order order) in /src/Orders/OrderService.cs:line 214",
        "   at Shop.Orders.OrdersController.Post(OrderRequest request) in /src/Orders/OrdersController.cs:line 57",
        "   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute(ActionContext context)",
        "   at Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke(HttpContext httpContext)",
        "   at Shop.Infrastructure.RequestLogging.InvokeAsync(HttpContext context) in /src/Infrastructure/RequestLogging.cs:line 33",
    ];

    private readonly SimulatedCluster _cluster;
    private readonly ScenarioOptions _options;
    private readonly Random _random;
    private readonly string _namespace;
    private readonly List<Writer> _writers = [];
    private readonly List<(string Pod, TimeSpan DeleteAt)> _jobs = [];
    private readonly byte[] _line;
    private TimeSpan _elapsed;
    private double _churnDue;
    private double _restartsDue;
    private double _jobsDue;
    private int _nextPod;
    private int _nextJob;

    public Scenario(SimulatedCluster cluster, ScenarioOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        _options = options ?? new ScenarioOptions();
        _random = new Random(_options.Seed);
        _namespace = _options.Namespace ?? cluster.DefaultNamespace;
        _line = new byte[Math.Max(_options.LineBytes, 64) + 256];
    }

    /// <summary>Lines written so far by this scenario.</summary>
    public long LinesWritten { get; private set; }

    /// <summary>Containers currently written to.</summary>
    public int RunningContainers => _writers.Count;

    /// <summary>Creates the pods; init containers write their lines and complete; then every container runs.</summary>
    public void Start()
    {
        for (var i = 0; i < _options.Pods; i++)
        {
            CreatePod();
        }
    }

    /// <summary>
    /// Moves the scenario on by <paramref name="elapsed"/>: each running container writes the lines its rate owes
    /// (fractions carry over), and churn, restarts and jobs that fall due happen. Returns the lines written.
    /// </summary>
    public long Advance(TimeSpan elapsed)
    {
        var before = LinesWritten;
        _elapsed += elapsed;
        var seconds = elapsed.TotalSeconds;
        var perContainer = _options.TotalLinesPerSecond is { } total && _writers.Count > 0 ? total / _writers.Count : _options.LinesPerSecondPerContainer;
        foreach (var writer in _writers.ToArray())
        {
            writer.Due += perContainer * seconds;
            var lines = Whole(writer.Due);
            writer.Due -= lines;
            for (var i = 0L; i < lines; i++)
            {
                WriteLine(writer);
            }
        }

        _churnDue += _options.PodChurnPerMinute * seconds / 60;
        for (; Whole(_churnDue) >= 1; _churnDue--)
        {
            ReplacePod();
        }

        _restartsDue += _options.RestartsPerMinute * seconds / 60;
        for (; Whole(_restartsDue) >= 1; _restartsDue--)
        {
            RestartContainer();
        }

        _jobsDue += _options.JobsPerMinute * seconds / 60;
        for (; Whole(_jobsDue) >= 1; _jobsDue--)
        {
            RunJob();
        }

        foreach (var job in _jobs.Where(j => j.DeleteAt <= _elapsed).ToList())
        {
            _cluster.DeletePod(_namespace, job.Pod);
            _jobs.Remove(job);
        }

        return LinesWritten - before;
    }

    /// <summary>Writes <paramref name="count"/> lines round-robin over the running containers, as fast as possible.</summary>
    public long WriteLines(long count)
    {
        if (_writers.Count == 0)
        {
            return 0;
        }

        for (var i = 0L; i < count; i++)
        {
            WriteLine(_writers[(int)(i % _writers.Count)]);
        }

        return count;
    }

    /// <summary>Runs in real time (the cluster's clock) until cancelled, advancing every <paramref name="tick"/>.</summary>
    public async Task RunAsync(TimeSpan tick, CancellationToken cancellationToken)
    {
        var time = _cluster.Time;
        var last = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = time.GetTimestamp();
            Advance(time.GetElapsedTime(last, now));
            last = now;
        }
    }

    /// <summary>Whole events owed; the epsilon keeps sums of fractions (0.1 + 0.2 + ...) from falling just short.</summary>
    private static long Whole(double due) => (long)(due + 1e-9);

    private void CreatePod()
    {
        var name = $"{_options.PodPrefix}-{_nextPod++}";
        var containers = Enumerable.Range(0, _options.ContainersPerPod).Select(i => i == 0 ? "app" : $"sidecar-{i}").ToList();
        var inits = Enumerable.Range(0, _options.InitContainersPerPod).Select(i => $"init-{i}").ToList();
        _cluster.CreatePod(new PodSpecification(name)
        {
            Namespace = _namespace,
            Containers = containers,
            InitContainers = inits,
            Labels = new Dictionary<string, string> { ["app"] = _options.PodPrefix, ["app.kubernetes.io/name"] = _options.PodPrefix },
            Owner = ("ReplicaSet", _options.PodPrefix + "-7c9f5d"),
            Start = inits.Count == 0,
        });
        if (inits.Count > 0)
        {
            _cluster.StartPod(_namespace, name);
            foreach (var init in inits)
            {
                var writer = NewWriter(name, init);
                for (var i = 0; i < _options.InitContainerLines; i++)
                {
                    WriteLine(writer);
                }

                _cluster.CompleteInitContainer(_namespace, name, init);
            }
        }

        foreach (var container in containers)
        {
            _writers.Add(NewWriter(name, container));
        }
    }

    private void ReplacePod()
    {
        var pods = _writers.Select(w => w.Pod).Distinct().Where(p => p.StartsWith(_options.PodPrefix + "-", StringComparison.Ordinal)).ToList();
        if (pods.Count == 0)
        {
            return;
        }

        var victim = pods[_random.Next(pods.Count)];
        _writers.RemoveAll(w => w.Pod == victim);
        _cluster.DeletePod(_namespace, victim);
        CreatePod();
    }

    /// <summary>Restarts a running container chosen at random (not a Job's); it writes a last line right before it exits.</summary>
    public void RestartContainer()
    {
        var candidates = _writers.Where(w => !w.Pod.StartsWith("job-", StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var writer = candidates[_random.Next(candidates.Count)];
        // The last words of the dying instance: a line written right before the restart must not be lost.
        WriteLine(writer);
        _cluster.RestartContainer(_namespace, writer.Pod, writer.Container, exitCode: 1);
        writer.Log = _cluster.RunningLog(_namespace, writer.Pod, writer.Container);
    }

    private void RunJob()
    {
        var name = $"job-{_nextJob++}";
        _cluster.CreatePod(new PodSpecification(name)
        {
            Namespace = _namespace,
            Containers = ["main"],
            Labels = new Dictionary<string, string> { ["app"] = "job", ["job-name"] = name },
            Owner = ("Job", name),
        });
        var writer = NewWriter(name, "main");
        for (var i = 0; i < _options.JobLines; i++)
        {
            WriteLine(writer);
        }

        _cluster.TerminateContainer(_namespace, name, "main", exitCode: 0);
        _jobs.Add((name, _elapsed + _options.JobTimeToLive));
    }

    private Writer NewWriter(string pod, string container) => new(pod, container, _cluster.RunningLog(_namespace, pod, container));

    private void WriteLine(Writer writer)
    {
        if (writer.TraceLeft > 0)
        {
            writer.TraceLeft--;
            Emit(writer, Frames[(Frames.Length - 1 - writer.TraceLeft) % Frames.Length], "");
            return;
        }

        if (_random.NextDouble() < _options.StackTraceProbability)
        {
            writer.TraceLeft = Frames.Length;
            Emit(writer, "ERROR Unhandled exception while processing request: System.InvalidOperationException: The order was already submitted.", "");
            return;
        }

        if (_random.NextDouble() < _options.JsonShare)
        {
            var method = Methods[_random.Next(Methods.Length)];
            var path = Paths[_random.Next(Paths.Length)];
            var status = Statuses[_random.Next(Statuses.Length)];
            var latency = _random.Next(1, 900);
            Emit(writer, $"{{\"level\":\"info\",\"msg\":\"{method} {path}/{_random.Next(10_000)} {status}\",\"status\":{status},\"latency_ms\":{latency},\"trace_id\":\"{_random.Next():x8}{_random.Next():x8}\",\"pad\":\"", "\"}");
            return;
        }

        Emit(writer, $"{Levels[_random.Next(Levels.Length)]} [worker-{_random.Next(8)}] processed order {_random.Next(100_000)} in {_random.Next(1, 400)}ms queue={_random.Next(50)} ", "");
    }

    /// <summary>Writes <c>seq=N pod=P c=C body[padding]tail</c> of the target size and appends it to the container's log.</summary>
    private void Emit(Writer writer, string body, string tail)
    {
        var sequence = writer.Sequence;
        var span = _line.AsSpan();
        var at = 0;
        "seq="u8.CopyTo(span);
        at += 4;
        Utf8Formatter.TryFormat(sequence, span[at..], out var written, new System.Buffers.StandardFormat('D', 9));
        at += written;
        at += System.Text.Encoding.ASCII.GetBytes(" pod=", span[at..]);
        at += System.Text.Encoding.UTF8.GetBytes(writer.Pod, span[at..]);
        at += System.Text.Encoding.ASCII.GetBytes(" c=", span[at..]);
        at += System.Text.Encoding.UTF8.GetBytes(writer.Container, span[at..]);
        span[at++] = (byte)' ';
        var limit = _line.Length - tail.Length;
        at += System.Text.Encoding.UTF8.GetBytes(body.AsSpan(0, Math.Min(body.Length, limit - at)), span[at..]);
        var target = Math.Min(_options.LineBytes - tail.Length, limit);
        for (var filler = (int)(sequence % 26); at < target; filler++)
        {
            span[at++] = (byte)('a' + (filler % 26));
        }

        at += System.Text.Encoding.ASCII.GetBytes(tail, span[at..]);

        long? timestamp = null;
        if (_options.BackwardsTimestampProbability > 0 && _random.NextDouble() < _options.BackwardsTimestampProbability && writer.LastTimestamp > 0)
        {
            timestamp = writer.LastTimestamp - (long)(_options.BackwardsSkew.Ticks * 100);
        }

        writer.LastTimestamp = writer.Log.Append(span[..at], timestamp, sequence);
        writer.Sequence++;
        LinesWritten++;
    }

    /// <summary>One running container and where its sequence is.</summary>
    private sealed class Writer(string pod, string container, ContainerLog log)
    {
        public string Pod { get; } = pod;

        public string Container { get; } = container;

        public ContainerLog Log { get; set; } = log;

        public long Sequence { get; set; }

        public double Due { get; set; }

        public int TraceLeft { get; set; }

        public long LastTimestamp { get; set; }
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>A request the simulator received: method, path with query, the status it answered, the user, the HTTP protocol.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, int StatusCode, string? User, string Protocol);

/// <summary>
/// Faults to inject into the simulated API server: failed and slow requests, RBAC denials, and log streams
/// or watches that are dropped (connection reset) or stalled (open and silent). Thread-safe.
/// </summary>
public sealed class KubernetesFaults
{
    private readonly Lock _gate = new();
    private readonly List<(int Remaining, int Status, string? PathContains, int? RetryAfter, string? Message)> _failures = [];
    private readonly List<(TimeSpan Delay, string? PathContains)> _delays = [];
    private readonly HashSet<(string Verb, string Resource, string? Namespace)> _denials = [];
    private readonly List<(long Bytes, string? Pod, string? Container)> _dropAfter = [];
    private readonly ConcurrentDictionary<OpenStream, byte> _logStreams = new();
    private readonly ConcurrentDictionary<OpenStream, byte> _watches = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private TaskCompletionSource? _logStall;
    private (string? Pod, string? Container) _logStallScope;
    private TaskCompletionSource? _watchStall;

    /// <summary>The last requests received (up to 10,000), oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Log streams open now.</summary>
    public int OpenLogStreams => _logStreams.Count;

    /// <summary>Watches open now.</summary>
    public int OpenWatches => _watches.Count;

    /// <summary>The next <paramref name="count"/> requests whose path contains <paramref name="pathContains"/> fail with <paramref name="statusCode"/>.</summary>
    public void FailNextRequests(int count, int statusCode, string? pathContains = null, int? retryAfterSeconds = null, string? message = null)
    {
        lock (_gate)
        {
            _failures.Add((count, statusCode, pathContains, retryAfterSeconds, message));
        }
    }

    /// <summary>Requests whose path contains <paramref name="pathContains"/> are answered only after <paramref name="delay"/>, until <see cref="ClearDelays"/>.</summary>
    public void DelayRequests(TimeSpan delay, string? pathContains = null)
    {
        lock (_gate)
        {
            _delays.Add((delay, pathContains));
        }
    }

    public void ClearDelays()
    {
        lock (_gate)
        {
            _delays.Clear();
        }
    }

    /// <summary>RBAC denies <paramref name="verb"/> on <paramref name="resource"/> (e.g. <c>watch</c> <c>pods</c>, <c>get</c> <c>pods/log</c>) in a namespace, or everywhere.</summary>
    public void Deny(string verb, string resource, string? @namespace = null)
    {
        lock (_gate)
        {
            _denials.Add((verb, resource, @namespace));
        }
    }

    public void ClearDenials()
    {
        lock (_gate)
        {
            _denials.Clear();
        }
    }

    /// <summary>Resets every open log stream (of a pod/container, or all) now; returns how many.</summary>
    public int DropLogStreams(string? pod = null, string? container = null) => Drop(_logStreams, pod, container);

    /// <summary>The next log stream opened for the pod/container is reset after it has sent <paramref name="bytes"/> bytes (possibly mid-line).</summary>
    public void DropNextLogStreamAfter(long bytes, string? pod = null, string? container = null)
    {
        lock (_gate)
        {
            _dropAfter.Add((bytes, pod, container));
        }
    }

    /// <summary>Log streams of the pod/container (or all), open and future, stop sending anything but stay open, until <see cref="ResumeLogStreams"/>.</summary>
    public void StallLogStreams(string? pod = null, string? container = null)
    {
        lock (_gate)
        {
            _logStall ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _logStallScope = (pod, container);
        }
    }

    public void ResumeLogStreams()
    {
        lock (_gate)
        {
            _logStall?.TrySetResult();
            _logStall = null;
        }
    }

    /// <summary>Resets every open watch now; returns how many.</summary>
    public int DropWatches() => Drop(_watches, null, null);

    /// <summary>Watches, open and future, send nothing (not even bookmarks) until <see cref="ResumeWatches"/>.</summary>
    public void StallWatches()
    {
        lock (_gate)
        {
            _watchStall ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ResumeWatches()
    {
        lock (_gate)
        {
            _watchStall?.TrySetResult();
            _watchStall = null;
        }
    }

    internal StatusResponse? TakeFailure(string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _failures.Count; i++)
            {
                var f = _failures[i];
                if (f.PathContains is not null && !path.Contains(f.PathContains, StringComparison.Ordinal))
                {
                    continue;
                }

                _failures[i] = f with { Remaining = f.Remaining - 1 };
                if (f.Remaining <= 1)
                {
                    _failures.RemoveAt(i);
                }

                var reason = f.Status switch
                {
                    429 => "TooManyRequests",
                    500 => "InternalError",
                    503 => "ServiceUnavailable",
                    504 => "Timeout",
                    401 => "Unauthorized",
                    404 => "NotFound",
                    410 => "Gone",
                    _ => "Unknown",
                };
                return new StatusResponse(f.Status, reason, f.Message ?? $"injected fault: {f.Status} {reason}") { RetryAfterSeconds = f.RetryAfter };
            }

            return null;
        }
    }

    internal TimeSpan DelayFor(string path)
    {
        lock (_gate)
        {
            return _delays.Where(d => d.PathContains is null || path.Contains(d.PathContains, StringComparison.Ordinal)).Select(d => d.Delay).DefaultIfEmpty().Max();
        }
    }

    internal bool IsDenied(string verb, string resource, string? @namespace)
    {
        lock (_gate)
        {
            return _denials.Contains((verb, resource, @namespace)) || _denials.Contains((verb, resource, null));
        }
    }

    internal OpenStream OpenLogStream(HttpContext context, string pod, string container)
    {
        var stream = new OpenStream(context, pod, container);
        lock (_gate)
        {
            var i = _dropAfter.FindIndex(d => Applies(d.Pod, d.Container, pod, container));
            if (i >= 0)
            {
                stream.DropAfterBytes = _dropAfter[i].Bytes;
                _dropAfter.RemoveAt(i);
            }
        }

        _logStreams[stream] = 0;
        return stream;
    }

    internal OpenStream OpenWatch(HttpContext context)
    {
        var stream = new OpenStream(context, null, null);
        _watches[stream] = 0;
        return stream;
    }

    internal void Close(OpenStream stream)
    {
        _logStreams.TryRemove(stream, out _);
        _watches.TryRemove(stream, out _);
    }

    /// <summary>A task that completes when log streams of the pod/container may send again; null when they are not stalled.</summary>
    internal Task? LogStall(string pod, string container)
    {
        lock (_gate)
        {
            return _logStall is not null && Applies(_logStallScope.Pod, _logStallScope.Container, pod, container) ? _logStall.Task : null;
        }
    }

    internal Task? WatchStall()
    {
        lock (_gate)
        {
            return _watchStall?.Task;
        }
    }

    internal void Record(RecordedRequest request)
    {
        _requests.Enqueue(request);
        while (_requests.Count > 10_000)
        {
            _requests.TryDequeue(out _);
        }
    }

    private static int Drop(ConcurrentDictionary<OpenStream, byte> streams, string? pod, string? container)
    {
        var dropped = 0;
        foreach (var stream in streams.Keys)
        {
            if (Applies(pod, container, stream.Pod, stream.Container))
            {
                stream.Context.Abort();
                dropped++;
            }
        }

        return dropped;
    }

    private static bool Applies(string? podFilter, string? containerFilter, string? pod, string? container) =>
        (podFilter is null || podFilter == pod) && (containerFilter is null || containerFilter == container);

    /// <summary>An open long-running response (log stream or watch).</summary>
    internal sealed class OpenStream(HttpContext context, string? pod, string? container)
    {
        public HttpContext Context { get; } = context;

        public string? Pod { get; } = pod;

        public string? Container { get; } = container;

        /// <summary>Reset the stream once this many bytes were sent; null: never.</summary>
        public long? DropAfterBytes { get; set; }
    }
}

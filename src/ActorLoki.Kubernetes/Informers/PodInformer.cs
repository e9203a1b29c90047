using System.Runtime.ExceptionServices;
using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes.Informers;

/// <summary>What happened to a pod, as the informer reports it.</summary>
public enum PodEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// A change to a pod. <paramref name="FromRelist"/> is true when the informer found the change by listing
/// again after its watch expired (the pod may have changed several times, or been deleted, unseen).
/// </summary>
public readonly record struct PodEvent(PodEventType Type, Pod Pod, bool FromRelist);

/// <summary>Settings of a <see cref="PodInformer"/>.</summary>
public sealed record PodInformerOptions
{
    /// <summary>The namespace to watch; null watches every namespace (needs a ClusterRole).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>timeoutSeconds asked of the server for each watch; the watch is then reopened from its resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A watch that delivers nothing, not even a bookmark, for this long is dropped and reopened.</summary>
    public TimeSpan SilenceLimit { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>First delay after a failed list or watch (and the least time between two watches).</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between retries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Page size of the list (0: one page).</summary>
    public int ListPageSize { get; init; } = 500;
}

/// <summary>Counters of a <see cref="PodInformer"/>.</summary>
public readonly record struct PodInformerStatistics(long Lists, long Watches, long Expirations, long SilentWatches, long Failures, long Events);

/// <summary>
/// Keeps a caller informed of the pods of a namespace, after the list-then-watch loop of client-go's and
/// YARP's informers: list, then watch from the list's resourceVersion with bookmarks advancing it; a watch
/// the server ends cleanly is reopened from the last resourceVersion; a 410 Expired (an ERROR event or an
/// HTTP 410) leads to a new list, diffed against the known pods so that pods which vanished meanwhile are
/// reported deleted; failures are retried with exponential back-off, and a watch silent for longer than
/// <see cref="PodInformerOptions.SilenceLimit"/> is dropped and reopened. Every delay uses the client's
/// <see cref="TimeProvider"/>.
/// <para>
/// Events go to one handler, awaited one at a time in order. An exception from the handler is a bug in the
/// caller: it ends <see cref="RunAsync"/> with that exception.
/// </para>
/// </summary>
public sealed class PodInformer
{
    private readonly KubernetesClient _client;
    private readonly PodInformerOptions _options;
    private readonly Func<PodEvent, CancellationToken, ValueTask> _handler;
    private readonly Dictionary<(string Namespace, string Name), Pod> _pods = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _scope;
    private string? _resourceVersion;
    private long _lists;
    private long _watches;
    private long _expirations;
    private long _silentWatches;
    private long _failures;
    private long _events;

    public PodInformer(KubernetesClient client, PodInformerOptions options, Func<PodEvent, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        _client = client;
        _options = options;
        _handler = handler;
        _scope = options.Namespace ?? "all namespaces";
    }

    /// <summary>True once the first list has been delivered.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch starts from.</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

    public PodInformerStatistics Statistics => new(
        Interlocked.Read(ref _lists), Interlocked.Read(ref _watches), Interlocked.Read(ref _expirations),
        Interlocked.Read(ref _silentWatches), Interlocked.Read(ref _failures), Interlocked.Read(ref _events));

    /// <summary>Completes when the first list has been delivered to the handler.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> is cancelled; then returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var time = _client.Time;
        var logger = _client.Logger;
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken);
                    needList = false;
                }

                var started = time.GetTimestamp();
                var (outcome, events) = await WatchAsync(cancellationToken);
                switch (outcome)
                {
                    case WatchOutcome.Expired:
                        Interlocked.Increment(ref _expirations);
                        KubernetesLog.InformerExpired(logger, _scope, ResourceVersion);
                        needList = true;
                        failures = 0;
                        break;
                    case WatchOutcome.Silent:
                        Interlocked.Increment(ref _silentWatches);
                        KubernetesLog.InformerSilent(logger, _scope, _options.SilenceLimit);
                        break;
                    default:
                        KubernetesLog.InformerWatchEnded(logger, _scope, events, ResourceVersion);
                        // A watch that ends at once (a proxy closing it, a server refusing it) must not spin:
                        // short watches count as failures for the back-off.
                        if (time.GetElapsedTime(started) < _options.MinBackoff && events == 0)
                        {
                            failures++;
                            await Task.Delay(Backoff(failures), time, cancellationToken);
                        }
                        else
                        {
                            failures = 0;
                        }

                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HandlerFailedException e)
            {
                ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            }
            catch (KubernetesGoneException)
            {
                Interlocked.Increment(ref _expirations);
                KubernetesLog.InformerExpired(logger, _scope, ResourceVersion);
                needList = true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                failures++;
                var delay = e is KubernetesTooManyRequestsException { RetryAfter: { } retryAfter } && retryAfter > Backoff(failures)
                    ? retryAfter
                    : Backoff(failures);
                // The API server's message says what is wrong (a 403 names the verb and resource); a stack
                // trace on every retry would only bury it.
                KubernetesLog.InformerFailed(logger, _scope, e is KubernetesApiException ? e.Message : $"{e.GetType().Name}: {e.Message}", delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Lists the pods and reports the difference with the known set.</summary>
    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await _client.ListPodsAsync(
            _options.Namespace, _options.LabelSelector, _options.FieldSelector,
            _options.ListPageSize > 0 ? _options.ListPageSize : null, cancellationToken);
        Interlocked.Increment(ref _lists);
        var relist = HasSynced;
        var current = new Dictionary<(string, string), Pod>();
        foreach (var pod in list.Items ?? [])
        {
            if (Key(pod) is { } key)
            {
                current[key] = pod;
            }
        }

        foreach (var (key, known) in _pods.ToList())
        {
            if (!current.ContainsKey(key))
            {
                _pods.Remove(key);
                await DeliverAsync(new PodEvent(PodEventType.Deleted, known, relist), cancellationToken);
            }
        }

        foreach (var (key, pod) in current)
        {
            if (!_pods.TryGetValue(key, out var known))
            {
                _pods[key] = pod;
                await DeliverAsync(new PodEvent(PodEventType.Added, pod, relist), cancellationToken);
            }
            else if (!string.Equals(known.Metadata?.Uid, pod.Metadata?.Uid, StringComparison.Ordinal))
            {
                // Same name, new pod (a StatefulSet pod re-created while we were not watching).
                _pods[key] = pod;
                await DeliverAsync(new PodEvent(PodEventType.Deleted, known, relist), cancellationToken);
                await DeliverAsync(new PodEvent(PodEventType.Added, pod, relist), cancellationToken);
            }
            else if (!string.Equals(known.Metadata?.ResourceVersion, pod.Metadata?.ResourceVersion, StringComparison.Ordinal))
            {
                _pods[key] = pod;
                await DeliverAsync(new PodEvent(PodEventType.Modified, pod, relist), cancellationToken);
            }
        }

        Volatile.Write(ref _resourceVersion, list.Metadata?.ResourceVersion);
        KubernetesLog.InformerListed(_client.Logger, _scope, current.Count, ResourceVersion);
        _synced.TrySetResult();
    }

    private async Task<(WatchOutcome Outcome, int Events)> WatchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _watches);
        KubernetesLog.InformerWatching(_client.Logger, _scope, ResourceVersion);
        using var silence = new CancellationTokenSource(_options.SilenceLimit, _client.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
        var events = 0;
        try
        {
            var watch = _client.WatchPodsAsync(
                _options.Namespace, ResourceVersion, allowWatchBookmarks: true,
                timeoutSeconds: (int)Math.Max(1, _options.WatchTimeout.TotalSeconds),
                _options.LabelSelector, _options.FieldSelector, linked.Token);
            await foreach (var e in watch)
            {
                silence.CancelAfter(_options.SilenceLimit);
                events++;
                switch (e.Type)
                {
                    case WatchEventType.Bookmark:
                        if (e.Object?.Metadata?.ResourceVersion is { Length: > 0 } bookmark)
                        {
                            Volatile.Write(ref _resourceVersion, bookmark);
                        }

                        break;
                    case WatchEventType.Error:
                        if (e.Status?.Code == 410)
                        {
                            return (WatchOutcome.Expired, events);
                        }

                        throw KubernetesErrors.FromWatchStatus(e.Status, "watch pods");
                    default:
                        await ApplyAsync(e.Type, e.Object!, linked.Token);
                        break;
                }
            }

            return (WatchOutcome.Ended, events);
        }
        catch (Exception e) when (silence.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is not HandlerFailedException)
        {
            return (WatchOutcome.Silent, events);
        }
    }

    private async Task ApplyAsync(WatchEventType type, Pod pod, CancellationToken cancellationToken)
    {
        if (pod.Metadata?.ResourceVersion is { Length: > 0 } resourceVersion)
        {
            Volatile.Write(ref _resourceVersion, resourceVersion);
        }

        if (Key(pod) is not { } key)
        {
            return;
        }

        if (type == WatchEventType.Deleted)
        {
            _pods.Remove(key);
            await DeliverAsync(new PodEvent(PodEventType.Deleted, pod, false), cancellationToken);
            return;
        }

        // As client-go's informers do: what the caller has not seen is an add, what it has seen a change.
        var known = _pods.ContainsKey(key);
        _pods[key] = pod;
        await DeliverAsync(new PodEvent(known ? PodEventType.Modified : PodEventType.Added, pod, false), cancellationToken);
    }

    private async ValueTask DeliverAsync(PodEvent e, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _events);
        try
        {
            await _handler(e, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new HandlerFailedException(ex);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 20);
        var delay = Math.Min(_options.MaxBackoff.Ticks, _options.MinBackoff.Ticks * (1L << exponent));
        // Up to 20 % more, so that many shippers do not retry in step.
        return TimeSpan.FromTicks(delay + (long)(delay * 0.2 * Random.Shared.NextDouble()));
    }

    private static (string, string)? Key(Pod pod) =>
        pod.Metadata is { Name: { } name } metadata ? (metadata.Namespace ?? string.Empty, name) : null;

    private enum WatchOutcome
    {
        Ended,
        Expired,
        Silent,
    }

    /// <summary>Carries a handler's exception through the retry loop, which must not retry it.</summary>
    private sealed class HandlerFailedException(Exception inner) : Exception(inner.Message, inner);
}

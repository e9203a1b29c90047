using System.Collections.Concurrent;
using ActorLoki.Actors;
using ActorLoki.Actors.Event;
using ActorLoki.Shipper.Tailing;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Logging;

/// <summary>
/// Turns the actor system's lifecycle events into log events, without saying anything twice. What the
/// kernel and the back-off supervisor already log stays theirs: a failure and the supervisor's decision
/// (1001), dead letters (1006, Debug), back-off restarts (1101-1104; the failed push itself is the Loki
/// client's 6002 or 6004). Added here:
/// <list type="bullet">
/// <item>9101 <see cref="ActorRestarted"/>: the actor path, the cause and the attempt, and for a tail its namespace,
/// pod and container. It replaces the kernel's 1001 for a Restart decision, which would say the same with less.</item>
/// <item>Namespace, Pod and Container on every kernel event about a tail (a tail the kernel stopped after a failure,
/// 1001 with directive Stop, is the unexpected stop of a tail; a dead letter to a tail at Debug).</item>
/// </list>
/// A tail's identity is asked of it once when it starts; nothing here runs per log line.
/// </summary>
public sealed partial class ActorLifecycleLog : IDisposable
{
    /// <summary>The kernel's logger category (its events 1001-1012).</summary>
    public const string KernelCategory = "ActorLoki.Actors";

    private const int KernelChildFailedEventId = 1001;

    // Dead letters to a tail come after it stopped: the last few stopped tails stay known.
    private const int StoppedTailsKept = 1024;

    private readonly ConcurrentDictionary<ActorPath, TailIdentity> _tails = new();
    private readonly ConcurrentQueue<ActorPath> _stopped = new();
    private readonly ILogger _logger;
    private readonly List<IDisposable> _subscriptions = [];

    public ActorLifecycleLog(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("ActorLoki.Lifecycle");
        LoggerFactory = new KernelEnrichingLoggerFactory(loggerFactory, this);
    }

    /// <summary>The factory to give the actor system: the kernel's events pass through this log on their way.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Tails whose identity is known now, running or recently stopped (for tests and diagnostics).</summary>
    public int KnownTails => _tails.Count;

    /// <summary>Subscribes to <paramref name="events"/>; events before this call are not seen.</summary>
    public void Attach(EventStream events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _subscriptions.Add(events.Subscribe<ActorStarted>(OnStarted));
        _subscriptions.Add(events.Subscribe<ActorRestarted>(OnRestarted));
        _subscriptions.Add(events.Subscribe<ActorStopped>(OnStopped));
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
    }

    private void OnStarted(ActorStarted started)
    {
        if (started.ActorType == typeof(ContainerTail))
        {
            _ = LearnAsync(started.Actor);
        }
    }

    private async Task LearnAsync(IActorRef tail)
    {
        try
        {
            var status = await tail.Ask<ContainerTail.TailStatus>(ContainerTail.GetStatus.Instance, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            _tails[tail.Path] = new TailIdentity(status.Namespace, status.Pod, status.Container);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            // Stopped before it answered: there is nothing left to say about it.
        }
    }

    private void OnRestarted(ActorRestarted restarted)
    {
        var path = restarted.Actor.Path;
        if (_tails.TryGetValue(path, out var tail))
        {
            LogTailRestarted(_logger, path, restarted.Attempt, restarted.Cause.GetType().Name, tail.Namespace, tail.Pod, tail.Container, restarted.Cause);
        }
        else
        {
            LogRestarted(_logger, path, restarted.Attempt, restarted.Cause.GetType().Name, restarted.Cause);
        }
    }

    private void OnStopped(ActorStopped stopped)
    {
        if (stopped.ActorType != typeof(ContainerTail))
        {
            return;
        }

        _stopped.Enqueue(stopped.Actor.Path);
        while (_stopped.Count > StoppedTailsKept && _stopped.TryDequeue(out var oldest))
        {
            // A tail of the same name may have started since (a restarted container of a recreated pod): the
            // entry then belongs to it and is refreshed at its start; removing it loses only the enrichment.
            _tails.TryRemove(oldest, out _);
        }
    }

    private TailIdentity? TailAt(object? path) => path is ActorPath actorPath && _tails.TryGetValue(actorPath, out var tail) ? tail : null;

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Actor {ActorPath} restarted after {Cause} (attempt {Attempt})")]
    private static partial void LogRestarted(ILogger logger, ActorPath actorPath, int attempt, string cause, Exception exception);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Actor {ActorPath} restarted after {Cause} (attempt {Attempt}); it follows {Namespace}/{Pod}/{Container} again from its position")]
    private static partial void LogTailRestarted(ILogger logger, ActorPath actorPath, int attempt, string cause, string @namespace, string pod, string container, Exception exception);

    private sealed record TailIdentity(string Namespace, string Pod, string Container)
    {
        public KeyValuePair<string, object?>[] Scope { get; } = [new("Namespace", Namespace), new("Pod", Pod), new("Container", Container)];
    }

    /// <summary>Hands out the loggers of the inner factory, the kernel's wrapped in a <see cref="KernelLogger"/>.</summary>
    private sealed class KernelEnrichingLoggerFactory(ILoggerFactory inner, ActorLifecycleLog log) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == KernelCategory ? new KernelLogger(logger, log) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
            // The inner factory belongs to the caller.
        }
    }

    /// <summary>
    /// Drops the kernel's 1001 for a Restart decision (9101 says it, with the attempt) and gives the kernel's
    /// events about a tail its namespace, pod and container.
    /// </summary>
    private sealed class KernelLogger(ILogger inner, ActorLifecycleLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            object? path = null;
            foreach (var (key, value) in values)
            {
                if (eventId.Id == KernelChildFailedEventId && key == "Directive" && value is Directive.Restart)
                {
                    return;
                }

                if (key == "ActorPath")
                {
                    path = value;
                }
            }

            if (log.TailAt(path) is not { } tail)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            using (inner.BeginScope(tail.Scope))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}

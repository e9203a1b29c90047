using System.Collections.Concurrent;
using ActorLoki.Shipper.Actors;
using ActorLoki.Shipper.Tailing;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Logging;

/// <summary>
/// Turns the lifecycle of ActorLoki's actors into log events, without saying anything twice. Akka's own events
/// (dead letters, the back-off supervisor) reach Serilog through Akka.Logger.Serilog; supervision decisions
/// are ActorLoki's 1001 (<see cref="ShipperSupervisorStrategy"/>), which leaves a restart of one of ActorLoki's
/// actors to this log. Added here:
/// <list type="bullet">
/// <item>9101 when an actor restarted: the actor path, the cause and the attempt, and for a tail its namespace,
/// pod and container (the actors report their restarts themselves, <see cref="ShipperActor"/>).</item>
/// <item>Namespace, Pod and Container on every supervision event about a tail (a tail stopped after a failure,
/// 1001 with directive Stop, is the unexpected stop of a tail).</item>
/// </list>
/// A tail's identity is asked of it once when it starts; nothing here runs per log line.
/// </summary>
public sealed partial class ActorLifecycleLog : IDisposable
{
    /// <summary>The supervision events' logger category (event 1001).</summary>
    public const string KernelCategory = ShipperSupervisorStrategy.Category;

    // Events about a tail come after it stopped too: the last few stopped tails stay known.
    private const int StoppedTailsKept = 1024;

    private readonly ConcurrentDictionary<string, TailIdentity> _tails = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _stopped = new();
    private readonly ILogger _logger;
    private ActorInspection? _inspection;

    public ActorLifecycleLog(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("ActorLoki.Lifecycle");
        LoggerFactory = new KernelEnrichingLoggerFactory(loggerFactory, this);
    }

    /// <summary>The factory to give the shipper: supervision events pass through this log on their way.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Tails whose identity is known now, running or recently stopped (for tests and diagnostics).</summary>
    public int KnownTails => _tails.Count;

    /// <summary>Follows the lifecycle events of <paramref name="inspection"/>; events before this call are not seen.</summary>
    public void Attach(ActorInspection inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        _inspection = inspection;
        inspection.Lifecycle += OnLifecycle;
    }

    public void Dispose()
    {
        if (_inspection is { } inspection)
        {
            inspection.Lifecycle -= OnLifecycle;
            _inspection = null;
        }
    }

    private void OnLifecycle(ActorLifecycleEvent e)
    {
        switch (e.Stage)
        {
            case ActorLifecycleStage.Started:
                OnStarted(e);
                break;
            case ActorLifecycleStage.Restarted:
                OnRestarted(e);
                break;
            default:
                OnStopped(e);
                break;
        }
    }

    private void OnStarted(ActorLifecycleEvent started)
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
            _tails[tail.Path.ToStringWithoutAddress()] = new TailIdentity(status.Namespace, status.Pod, status.Container);
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            // Stopped before it answered: there is nothing left to say about it.
        }
    }

    private void OnRestarted(ActorLifecycleEvent restarted)
    {
        var path = restarted.Actor.Path.ToStringWithoutAddress();
        var cause = restarted.Cause ?? new InvalidOperationException("unknown cause");
        if (_tails.TryGetValue(path, out var tail))
        {
            LogTailRestarted(_logger, path, restarted.Attempt, cause.GetType().Name, tail.Namespace, tail.Pod, tail.Container, cause);
        }
        else
        {
            LogRestarted(_logger, path, restarted.Attempt, cause.GetType().Name, cause);
        }
    }

    private void OnStopped(ActorLifecycleEvent stopped)
    {
        if (stopped.ActorType != typeof(ContainerTail))
        {
            return;
        }

        _stopped.Enqueue(stopped.Actor.Path.ToStringWithoutAddress());
        while (_stopped.Count > StoppedTailsKept && _stopped.TryDequeue(out var oldest))
        {
            // A tail of the same name may have started since (a restarted container of a recreated pod): the
            // entry then belongs to it and is refreshed at its start; removing it loses only the enrichment.
            _tails.TryRemove(oldest, out _);
        }
    }

    private TailIdentity? TailAt(object? path) => path is string actorPath && _tails.TryGetValue(actorPath, out var tail) ? tail : null;

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Actor {ActorPath} restarted after {Cause} (attempt {Attempt})")]
    private static partial void LogRestarted(ILogger logger, string actorPath, int attempt, string cause, Exception exception);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Error, Message = "Actor {ActorPath} restarted after {Cause} (attempt {Attempt}); it follows {Namespace}/{Pod}/{Container} again from its position")]
    private static partial void LogTailRestarted(ILogger logger, string actorPath, int attempt, string cause, string @namespace, string pod, string container, Exception exception);

    private sealed record TailIdentity(string Namespace, string Pod, string Container)
    {
        public KeyValuePair<string, object?>[] Scope { get; } = [new("Namespace", Namespace), new("Pod", Pod), new("Container", Container)];
    }

    /// <summary>Hands out the loggers of the inner factory, the supervision events' wrapped in a <see cref="KernelLogger"/>.</summary>
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

    /// <summary>Gives the supervision events about a tail its namespace, pod and container.</summary>
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

using System.Globalization;
using System.Runtime.ExceptionServices;
using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <summary>Ask and GracefulStop, as in Akka.NET. Timeouts run on the target system's <see cref="TimeProvider"/>.</summary>
public static class Futures
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and returns its first reply. A reply of
    /// <see cref="Status.Failure"/> faults the task with its cause; no reply within <paramref name="timeout"/>
    /// (null: none) faults it with <see cref="AskTimeoutException"/>.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var reply = await target.Ask(message, timeout, cancellationToken).ConfigureAwait(false);
        return reply switch
        {
            T typed => typed,
            Status.Failure failure => throw Rethrowable(failure.Cause),
            _ => throw new InvalidCastException($"Ask of {target.Path} expected a {typeof(T).Name} but got a {reply.GetType().Name}."),
        };
    }

    public static Task<object> Ask(this IActorRef target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var promise = new PromiseActorRef(TimeProviderOf(target), timeout, $"Ask of {target.Path} timed out after {timeout}", cancellationToken);
        target.Tell(message, promise);
        return promise.Task;
    }

    /// <summary>
    /// Sends <paramref name="stopMessage"/> (default <see cref="PoisonPill"/>) and completes with true once
    /// the actor has stopped; fails with <see cref="TaskCanceledException"/> if it has not within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout, object? stopMessage = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target is not IInternalActorRef watchee)
        {
            throw new ArgumentException($"{target.GetType().Name} cannot be watched.", nameof(target));
        }

        var promise = new PromiseActorRef(TimeProviderOf(target), timeout, null, CancellationToken.None);
        watchee.SendSystemMessage(new Watch(watchee, promise));
        target.Tell(stopMessage ?? PoisonPill.Instance, null);
        try
        {
            return await promise.Task.ConfigureAwait(false) is Terminated;
        }
        finally
        {
            watchee.SendSystemMessage(new Unwatch(watchee, promise));
        }
    }

    private static TimeProvider TimeProviderOf(IActorRef target) =>
        target is LocalActorRef local ? local.Cell.System.Settings.TimeProvider : TimeProvider.System;

    private static Exception Rethrowable(Exception cause)
    {
        ExceptionDispatchInfo.Throw(cause);
        return cause;
    }
}

/// <summary>A one-shot temporary actor ref whose first message (or a death-watch notification) completes a task.</summary>
internal sealed class PromiseActorRef : IInternalActorRef
{
    private static long s_counter;
    private readonly TaskCompletionSource<object> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer? _timer;
    private readonly CancellationTokenRegistration _cancellation;
    private readonly string? _timeoutMessage;

    public PromiseActorRef(TimeProvider time, TimeSpan? timeout, string? timeoutMessage, CancellationToken cancellationToken)
    {
        Path = ActorPath.Root / "temp" / ("$" + Interlocked.Increment(ref s_counter).ToString(CultureInfo.InvariantCulture));
        _timeoutMessage = timeoutMessage;
        if (timeout is { } due && due != Timeout.InfiniteTimeSpan)
        {
            _timer = time.CreateTimer(static state => ((PromiseActorRef)state!).TimedOut(), this, due, Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(static state => ((PromiseActorRef)state!).Cancelled(), this);
        }
    }

    public ActorPath Path { get; }

    public Task<object> Task => _promise.Task;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_promise.TrySetResult(message))
        {
            Release();
        }
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is DeathWatchNotification notification)
        {
            Tell(new Terminated(notification.Actor), notification.Actor);
        }
    }

    public override string ToString() => Path.ToString();

    private void TimedOut()
    {
        var completed = _timeoutMessage is null
            ? _promise.TrySetCanceled()
            : _promise.TrySetException(new AskTimeoutException(_timeoutMessage));
        if (completed)
        {
            Release();
        }
    }

    private void Cancelled()
    {
        if (_promise.TrySetCanceled())
        {
            Release();
        }
    }

    private void Release()
    {
        _timer?.Dispose();
        _cancellation.Dispose();
    }
}

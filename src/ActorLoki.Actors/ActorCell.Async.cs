using System.Runtime.ExceptionServices;
using ActorLoki.Actors.Dispatch;

namespace ActorLoki.Actors;

/// <remarks>
/// <para>Async handlers (<c>ReceiveAsync</c>). The handler starts on the actor's turn with the actor's
/// <see cref="SynchronizationContext"/> installed, so each <c>await</c> resumes as a system message of this
/// actor: its code stays single-threaded and sees its Context. Until the handler's task completes the
/// mailbox hands out no user message, but system messages still run.</para>
/// <para>Stop (or restart) during an async handler: it is not waited for. The <see cref="LifetimeToken"/>
/// is cancelled at once, children stop, PostStop runs and watchers get Terminated. Continuations that
/// arrive later belong to an ended incarnation and are discarded: the rest of the handler never runs on
/// the actor, and the message it was handling is not redelivered. Code after
/// <c>ConfigureAwait(false)</c> has left the actor and is not stopped by this.</para>
/// </remarks>
internal sealed partial class ActorCell
{
    private Task? _pendingTask;
    private ActorSynchronizationContext? _syncContext;
    private CancellationTokenSource? _lifetime;

    public CancellationToken LifetimeToken
    {
        get
        {
            if (_terminating)
            {
                return new CancellationToken(canceled: true);
            }

            return (_lifetime ??= new CancellationTokenSource()).Token;
        }
    }

    internal void RunTask<T>(Func<T, Task> handler, T argument)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext ??= new ActorSynchronizationContext(this, _incarnation));
        Task task;
        try
        {
            task = handler(argument);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (task.IsCompleted)
        {
            ThrowIfFailed(task);
            return;
        }

        _pendingTask = task;
        var mailbox = _mailbox;
        var incarnation = _incarnation;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(
            () => mailbox.PostSystem(new AsyncHandlerCompleted(task, incarnation)));
    }

    private void RunContinuation(RunContinuation continuation)
    {
        if (continuation.Incarnation != _incarnation || _terminating)
        {
            return;
        }

        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext);
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void AsyncHandlerCompleted(AsyncHandlerCompleted completed)
    {
        if (completed.Incarnation != _incarnation || !ReferenceEquals(completed.Task, _pendingTask))
        {
            return;
        }

        _pendingTask = null;
        if (completed.Task.IsCompletedSuccessfully)
        {
            _current = default;
            return;
        }

        try
        {
            ThrowIfFailed(completed.Task);
        }
        catch (Exception cause)
        {
            HandleInvokeFailure(cause);
        }
    }

    private static void ThrowIfFailed(Task task)
    {
        if (task.IsFaulted)
        {
            var errors = task.Exception!.InnerExceptions;
            ExceptionDispatchInfo.Throw(errors.Count == 1 ? errors[0] : task.Exception);
        }

        if (task.IsCanceled)
        {
            throw new TaskCanceledException(task);
        }
    }

    /// <summary>Posts continuations of async handlers back to the actor that started them.</summary>
    private sealed class ActorSynchronizationContext(ActorCell cell, int incarnation) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state) =>
            cell._mailbox.PostSystem(new RunContinuation(d, state, incarnation));

        public override SynchronizationContext CreateCopy() => this;
    }
}

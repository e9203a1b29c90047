namespace ActorLoki.Actors;

/// <summary>
/// Sends the outcome of a task to an actor as a message, as Akka.NET's PipeTo: the result (mapped by
/// <c>success</c>) or the exception (mapped by <c>failure</c>, default <see cref="Status.Failure"/>).
/// A task already completed is piped at once; otherwise one continuation runs where the task completes.
/// </summary>
public static class PipeToSupport
{
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null, Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        if (task.IsCompleted)
        {
            Deliver(task, recipient, sender, success, failure);
            return Task.CompletedTask;
        }

        return task.ContinueWith(
            static (completed, state) =>
            {
                var (recipient, sender, success, failure) = ((IActorRef, IActorRef?, Func<T, object>?, Func<Exception, object>?))state!;
                Deliver(completed, recipient, sender, success, failure);
            },
            (recipient, sender, success, failure),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public static Task PipeTo(this Task task, IActorRef recipient, IActorRef? sender = null, Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        if (task.IsCompleted)
        {
            Deliver(task, recipient, sender, success, failure);
            return Task.CompletedTask;
        }

        return task.ContinueWith(
            static (completed, state) =>
            {
                var (recipient, sender, success, failure) = ((IActorRef, IActorRef?, Func<object>?, Func<Exception, object>?))state!;
                Deliver(completed, recipient, sender, success, failure);
            },
            (recipient, sender, success, failure),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// For reads such as <c>stream.ReadAsync(buffer, token)</c>: a value task completed synchronously costs
    /// no allocation; a pending one costs one small object and no Task.
    /// </summary>
    public static void PipeTo<T>(this ValueTask<T> task, IActorRef recipient, IActorRef? sender = null, Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (task.IsCompletedSuccessfully)
        {
            // Completed: GetResult does not block.
            var result = task.GetAwaiter().GetResult();
            recipient.Tell(success is null ? result! : success(result), sender);
            return;
        }

        new ValueTaskPipe<T>(task, recipient, sender, success, failure).Start();
    }

    private static void Deliver<T>(Task<T> task, IActorRef recipient, IActorRef? sender, Func<T, object>? success, Func<Exception, object>? failure)
    {
        object message;
        try
        {
            // Completed: GetResult does not block.
            message = task.IsCompletedSuccessfully
                ? success is null ? task.GetAwaiter().GetResult()! : success(task.GetAwaiter().GetResult())
                : FailureMessage(Unwrap(task), failure);
        }
        catch (Exception error)
        {
            // A throwing success mapping is reported like a failed task.
            message = FailureMessage(error, failure);
        }

        recipient.Tell(message, sender);
    }

    private static void Deliver(Task task, IActorRef recipient, IActorRef? sender, Func<object>? success, Func<Exception, object>? failure)
    {
        if (task.IsCompletedSuccessfully)
        {
            if (success is not null)
            {
                recipient.Tell(success(), sender);
            }
        }
        else
        {
            recipient.Tell(FailureMessage(Unwrap(task), failure), sender);
        }
    }

    private static object FailureMessage(Exception error, Func<Exception, object>? failure) =>
        failure is null ? new Status.Failure(error) : failure(error);

    private static Exception Unwrap(Task task) =>
        task.Exception is { } aggregate
            ? aggregate.InnerExceptions.Count == 1 ? aggregate.InnerExceptions[0] : aggregate
            : new TaskCanceledException(task);

    private sealed class ValueTaskPipe<T>(ValueTask<T> task, IActorRef recipient, IActorRef? sender, Func<T, object>? success, Func<Exception, object>? failure)
    {
        public void Start() => task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(Completed);

        private void Completed()
        {
            object message;
            try
            {
                var result = task.ConfigureAwait(false).GetAwaiter().GetResult();
                message = success is null ? result! : success(result);
            }
            catch (Exception error)
            {
                message = FailureMessage(error, failure);
            }

            recipient.Tell(message, sender);
        }
    }
}

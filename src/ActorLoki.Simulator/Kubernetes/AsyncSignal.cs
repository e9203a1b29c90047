namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// Wakes every waiter when something changed. A waiter takes <see cref="WaitTask"/> first, then checks for
/// news, then awaits: a pulse in between completes the task it holds, so no change is missed. The task is
/// created only when someone waits, so a writer pulsing for every line costs nothing while nobody follows.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource? _waiters;

    public Task WaitTask
    {
        get
        {
            var current = Volatile.Read(ref _waiters);
            if (current is not null)
            {
                return current.Task;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return (Interlocked.CompareExchange(ref _waiters, created, null) ?? created).Task;
        }
    }

    public void Pulse()
    {
        if (Volatile.Read(ref _waiters) is not null)
        {
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        }
    }
}

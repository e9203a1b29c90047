namespace ActorLoki.Actors;

/// <summary>Keyed timers that send messages to the actor itself. Cancelled when the actor stops or restarts.</summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> once after <paramref name="delay"/>, replacing any timer with the same key.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Sends <paramref name="message"/> every <paramref name="interval"/>, replacing any timer with the same key.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    /// <summary>Cancels the timer; a message it already queued is not delivered.</summary>
    void Cancel(object key);

    void CancelAll();
}

/// <summary>Implemented by actors that use timers; the kernel sets <see cref="Timers"/> before the constructor body runs.</summary>
public interface IWithTimers
{
    ITimerScheduler Timers { get; set; }
}

/// <summary>
/// Timers on the system's <see cref="TimeProvider"/>. Each start creates a new entry; a fired entry is
/// queued as the message itself and delivered only if it is still the live entry of its key, so a
/// cancelled or replaced timer never delivers a stale message (the entry is the generation).
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];

    public void StartSingleTimer(object key, object message, TimeSpan delay) =>
        Start(key, message, delay, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values)
        {
            entry.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>On the actor's turn: should this fired entry be delivered?</summary>
    internal bool Accept(Entry entry)
    {
        if (!_timers.TryGetValue(entry.Key, out var live) || !ReferenceEquals(live, entry))
        {
            return false;
        }

        if (!entry.IsPeriodic)
        {
            _timers.Remove(entry.Key);
            entry.Dispose();
        }

        return true;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Cancel(key);
        var entry = new Entry(cell, key, message, period != Timeout.InfiniteTimeSpan);
        _timers[key] = entry;
        entry.Arm(cell.System.Settings.TimeProvider, delay, period);
    }

    internal sealed class Entry(ActorCell cell, object key, object message, bool isPeriodic) : IDisposable
    {
        private ITimer? _timer;

        public object Key { get; } = key;

        public object Message { get; } = message;

        public bool IsPeriodic { get; } = isPeriodic;

        public void Arm(TimeProvider time, TimeSpan delay, TimeSpan period) =>
            _timer = time.CreateTimer(static state => ((Entry)state!).Fire(), this, delay, period);

        public void Dispose() => _timer?.Dispose();

        private void Fire() => cell.Mailbox.PostUnbounded(this, null);
    }
}

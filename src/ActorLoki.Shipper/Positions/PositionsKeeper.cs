using ActorLoki.Shipper.Actors;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Keeps every stream's acknowledged position and persists them: every <c>save-interval</c> when something
/// changed, and on <see cref="Flush"/> at shutdown. Positions only ever arrive from the batcher after Loki
/// acknowledged the lines, so a saved position never skips a line Loki has not stored.
/// </summary>
/// <remarks>
/// Loading comes first: until the store has been read, requests are stashed, and a store that cannot be
/// read (the API server is down, RBAC is missing) is retried with back-off and logged loudly rather than
/// replaced by an empty one — starting empty would re-read up to <c>tail.max-lookback</c> of every log.
/// A store whose content is corrupt is set aside and the shipper starts empty, because retrying cannot fix it.
/// </remarks>
public sealed partial class PositionsKeeper : ShipperActor, IWithTimers, IWithUnboundedStash
{
    private const string SaveTimer = "save";
    private const string LoadTimer = "load";
    private static readonly TimeSpan MaxLoadBackoff = TimeSpan.FromMinutes(1);

    private readonly IPositionsStore _store;
    private readonly PositionsKeeperOptions _options;
    private readonly ShipperMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Dictionary<StreamKey, SavedPosition> _positions = [];
    private bool _dirty;
    private int _loadAttempts;

    public PositionsKeeper(IPositionsStore store, PositionsKeeperOptions options, ShipperMetrics metrics)
    {
        _store = store;
        _options = options;
        _metrics = metrics;
        _time = Time;
        Loading();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(IPositionsStore store, PositionsKeeperOptions options, ShipperMetrics metrics) =>
        Akka.Actor.Props.Create(() => new PositionsKeeper(store, options, metrics));

    /// <summary>
    /// Asks for a container's position: the saved position of the newest instance of <c>Key</c>'s pod and
    /// container that is not newer than <c>Key.Instance</c> (an older one means that instance was not
    /// finished). The answer is <see cref="Current"/>.
    /// </summary>
    public sealed record Get(StreamKey Key);

    /// <summary>The newest saved position at or below the asked instance, or null when there is none.</summary>
    public sealed record Current(StreamKey Key, SavedPosition? Position);

    /// <summary>Positions Loki has acknowledged, newest last per stream.</summary>
    public sealed record Acknowledged(IReadOnlyList<SavedPosition> Positions);

    /// <summary>Pods that are gone (deleted, or absent from a fresh list), seen at <paramref name="At"/>.</summary>
    public sealed record PodsGone(IReadOnlyCollection<string> PodUids, DateTimeOffset At);

    /// <summary>
    /// The complete list of pods of a namespace (or every namespace, for <c>*</c>) as just listed:
    /// positions of pods not in it are gone.
    /// </summary>
    public sealed record PodsListed(string Namespace, IReadOnlyCollection<string> PodUids);

    /// <summary>Saves now if anything changed; answered with <see cref="Flushed"/>.</summary>
    public sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    public sealed record Flushed(bool Saved, Exception? Error);

    /// <summary>All positions (for the debug endpoint); answered with a list of <see cref="SavedPosition"/>.</summary>
    public sealed record GetAll
    {
        public static readonly GetAll Instance = new();
    }

    private sealed record Load
    {
        public static readonly Load Instance = new();
    }

    private sealed record Loaded(IReadOnlyList<SavedPosition> Positions);

    private sealed record LoadFailed(Exception Error);

    private sealed record Save
    {
        public static readonly Save Instance = new();
    }

    protected override void PreStart() => Self.Tell(Load.Instance);

    private void Loading()
    {
        Receive<Load>(_ => _store.LoadAsync(LifetimeToken).PipeTo(Self, success: p => new Loaded(p), failure: e => new LoadFailed(e)));
        Receive<Loaded>(loaded =>
        {
            foreach (var position in loaded.Positions)
            {
                _positions[position.Key] = position;
            }

            LogLoaded(Log, _positions.Count, _store.Description);
            Timers.StartPeriodicTimer(SaveTimer, Save.Instance, _options.SaveInterval);
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<LoadFailed>(failed =>
        {
            if (failed.Error is FormatException && _store is FilePositionsStore file)
            {
                var aside = file.QuarantineCorruptFile(_time);
                LogCorrupt(Log, failed.Error, _store.Description, aside);
                Self.Tell(new Loaded([]));
                return;
            }

            if (failed.Error is FormatException)
            {
                LogCorrupt(Log, failed.Error, _store.Description, "(overwritten at the next save)");
                Self.Tell(new Loaded([]));
                return;
            }

            _loadAttempts++;
            var delay = TimeSpan.FromTicks(Math.Min(MaxLoadBackoff.Ticks, TimeSpan.FromSeconds(1).Ticks << Math.Min(_loadAttempts - 1, 10)));
            LogLoadFailed(Log, failed.Error, _store.Description, _loadAttempts, delay);
            Timers.StartSingleTimer(LoadTimer, Load.Instance, delay);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<Get>(get => Sender.Tell(new Current(get.Key, Newest(get.Key))));
        Receive<Acknowledged>(OnAcknowledged);
        Receive<PodsGone>(gone =>
        {
            var uids = gone.PodUids as IReadOnlySet<string> ?? gone.PodUids.ToHashSet(StringComparer.Ordinal);
            MarkGone(p => uids.Contains(p.Key.PodUid), gone.At);
        });
        Receive<PodsListed>(listed =>
        {
            var present = listed.PodUids as IReadOnlySet<string> ?? listed.PodUids.ToHashSet(StringComparer.Ordinal);
            var now = _time.GetUtcNow();
            MarkGone(p => (listed.Namespace == "*" || p.Namespace == listed.Namespace) && !present.Contains(p.Key.PodUid), now);
            foreach (var (key, position) in _positions)
            {
                if (position.PodGoneAt is not null && present.Contains(key.PodUid))
                {
                    _positions[key] = position with { PodGoneAt = null };
                    _dirty = true;
                }
            }
        });
        ReceiveAsync<Save>(_ => SaveAsync());
        ReceiveAsync<Flush>(async _ =>
        {
            var replyTo = Sender;
            var error = await SaveAsync();
            replyTo.Tell(new Flushed(error is null, error));
        });
        Receive<GetAll>(_ => Sender.Tell(_positions.Values.ToList()));
    }

    private void OnAcknowledged(Acknowledged acknowledged)
    {
        foreach (var position in acknowledged.Positions)
        {
            PositionRules.Acknowledge(_positions, position, GoneAt);
        }

        _dirty |= acknowledged.Positions.Count > 0;
    }

    private DateTimeOffset? GoneAt(string podUid) => _positions.Values.FirstOrDefault(p => p.Key.PodUid == podUid && p.PodGoneAt is not null)?.PodGoneAt;

    private SavedPosition? Newest(StreamKey key) => PositionRules.Newest(_positions, key);

    private void MarkGone(Func<SavedPosition, bool> isGone, DateTimeOffset at)
    {
        foreach (var (key, position) in _positions)
        {
            if (position.PodGoneAt is null && isGone(position))
            {
                _positions[key] = position with { PodGoneAt = at };
                _dirty = true;
            }
        }
    }

    private async Task<Exception?> SaveAsync()
    {
        var now = _time.GetUtcNow();
        var expired = _positions.Values.Where(p => p.PodGoneAt + _options.Retention < now).Select(p => p.Key).ToList();
        foreach (var key in expired)
        {
            _positions.Remove(key);
        }

        if (!_dirty && expired.Count == 0)
        {
            return null;
        }

        var store = _options.StoreTag;
        try
        {
            await _store.SaveAsync([.. _positions.Values], LifetimeToken);
            _dirty = false;
            _metrics.PositionsSaved.Add(1, ShipperMetrics.Store(store));
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Kept dirty: the next interval tries again. Nothing is lost but the time since the last save.
            _dirty = true;
            _metrics.PositionsSaveFailures.Add(1, ShipperMetrics.Store(store));
            LogSaveFailed(Log, e, _store.Description);
            return e;
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Loaded {Count} stream positions from {Store}")]
    private static partial void LogLoaded(ILogger logger, int count, string store);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Could not read positions from {Store} (attempt {Attempt}); retrying in {Delay}. Nothing is read until positions are loaded")]
    private static partial void LogLoadFailed(ILogger logger, Exception error, string store, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Positions in {Store} are corrupt and were set aside ({Aside}); starting without positions")]
    private static partial void LogCorrupt(ILogger logger, Exception error, string store, string aside);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not save positions to {Store}; retrying at the next interval")]
    private static partial void LogSaveFailed(ILogger logger, Exception error, string store);
}

/// <summary>What the <see cref="PositionsKeeper"/> needs of the settings.</summary>
/// <param name="SaveInterval">How often changed positions are saved.</param>
/// <param name="Retention">How long positions of a gone pod are kept.</param>
/// <param name="StoreTag">The store's name for metrics: memory, file or configmap.</param>
public sealed record PositionsKeeperOptions(TimeSpan SaveInterval, TimeSpan Retention, string StoreTag);

using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Positions;

// Event ids 3101–3109.
public sealed partial class ShardedPositionsKeeper
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Read {Store}: {Count} positions, for {Waiting} acquires and requests")]
    private static partial void LogShardRead(ILogger logger, string store, int count, int waiting);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Could not read positions from {Store} (attempt {Attempt}); retrying in {Delay}. The streams of this shard are not read until it is")]
    private static partial void LogReadFailed(ILogger logger, Exception error, string store, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Positions in {Store} are corrupt and were set aside (overwritten at the next write); its streams start without positions")]
    private static partial void LogCorrupt(ILogger logger, Exception error, string store);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Could not save positions to {Store}; retrying")]
    private static partial void LogSaveFailed(ILogger logger, Exception error, string store);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "{Store} does not exist yet: seeded with {Count} positions of its streams from the single-replica ConfigMap {Legacy}")]
    private static partial void LogMigrated(ILogger logger, string store, int count, string legacy);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "Could not save the final position of {PodUid}/{Container} to {Store} within {Timeout}; released anyway: its next owner resumes from the last saved position and re-sends what follows (Loki de-duplicates identical lines)")]
    private static partial void LogReleaseFailed(ILogger logger, Exception error, string podUid, string container, string store, TimeSpan timeout);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "Ignored {Count} acknowledged positions of streams this node no longer owns")]
    private static partial void LogNotOwned(ILogger logger, int count);
}

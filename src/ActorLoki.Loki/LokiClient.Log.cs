using Microsoft.Extensions.Logging;

namespace ActorLoki.Loki;

// Event ids 6000-6099 belong to the Loki client. Secrets never appear: details are redacted first.
public sealed partial class LokiClient
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Pushed batch {BatchId}: {Entries} entries, {Bytes} bytes in {ElapsedMs:0.0} ms")]
    private partial void LogPushed(long batchId, int entries, int bytes, double elapsedMs);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Push of batch {BatchId} failed and will be retried (status {Status}, retry after {RetryAfterSeconds} s): {Detail}")]
    private partial void LogRetryable(long batchId, int? status, double? retryAfterSeconds, string detail);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Loki refused entries of batch {BatchId} (status {Status}); of {Entries} entries, dropped: {Dropped}. Loki said: {Detail}")]
    private partial void LogRejected(long batchId, int? status, int entries, string dropped, string detail);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Push of batch {BatchId} failed on a configuration problem (status {Status}): {Hint}. Detail: {Detail}")]
    private partial void LogConfigurationError(long batchId, int? status, string hint, string detail);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Loki answered 413 to a request of batch {BatchId} ({Bytes} bytes, {Entries} entries); sending it in two halves")]
    private partial void LogSplitting(long batchId, int bytes, int entries);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Loki answered 413 to a single entry of batch {BatchId} ({Bytes} bytes); the entry is dropped: {Detail}")]
    private partial void LogEntryTooLarge(long batchId, int bytes, string detail);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Reloaded {Path} after it changed")]
    private partial void LogFileReloaded(string path);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Error, Message = "Could not read {Path} ({ErrorType}: {Error}); the last good content stays in use if there is one")]
    private partial void LogFileUnreadable(string path, string errorType, string error);
}

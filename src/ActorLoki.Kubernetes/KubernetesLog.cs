using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes;

/// <summary>
/// Every log event of the Kubernetes client, with stable event ids (5100-5199). No event carries a token,
/// a client key or a request header.
/// </summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Kubernetes client for {Server} ({Source}), credentials: {Credentials}")]
    public static partial void ClientCreated(ILogger logger, Uri server, string source, string credentials);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "{Method} {Path} answered {StatusCode}: {Reason} {Message}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, int statusCode, string? reason, string message);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "{Method} {Path} was rejected with 401; fetching fresh credentials and retrying once")]
    public static partial void CredentialsRejected(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "The token file {Path} changed; using the new token")]
    public static partial void TokenFileChanged(ILogger logger, string path);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Cannot re-read the token file {Path}; keeping the previous token")]
    public static partial void TokenFileReadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Exec credential plugin {Command} issued a token expiring at {ExpiresAt}")]
    public static partial void ExecPluginRan(ILogger logger, string command, DateTimeOffset? expiresAt);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Debug, Message = "Pod informer for {Scope} listed {Count} pods at resourceVersion {ResourceVersion}")]
    public static partial void InformerListed(ILogger logger, string scope, int count, string? resourceVersion);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Debug, Message = "Pod informer for {Scope} watching from resourceVersion {ResourceVersion}")]
    public static partial void InformerWatching(ILogger logger, string scope, string? resourceVersion);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Pod watch for {Scope} expired at resourceVersion {ResourceVersion} (410); listing again")]
    public static partial void InformerExpired(ILogger logger, string scope, string? resourceVersion);

    [LoggerMessage(EventId = 5113, Level = LogLevel.Warning, Message = "Pod watch for {Scope} was silent for {Silence}; reopening it")]
    public static partial void InformerSilent(ILogger logger, string scope, TimeSpan silence);

    [LoggerMessage(EventId = 5114, Level = LogLevel.Warning, Message = "Pod informer for {Scope} failed ({Error}); retrying in {Delay}")]
    public static partial void InformerFailed(ILogger logger, string scope, string error, TimeSpan delay);

    [LoggerMessage(EventId = 5115, Level = LogLevel.Debug, Message = "Pod watch for {Scope} ended after {Events} events; watching again from {ResourceVersion}")]
    public static partial void InformerWatchEnded(ILogger logger, string scope, int events, string? resourceVersion);
}

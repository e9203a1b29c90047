using ActorLoki.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Tailing;

/// <summary>The tail's log events.</summary>
public sealed partial class ContainerTail
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Log stream of {Namespace}/{Pod}/{Container} failed ({Reason}); reopening from its position")]
    private static partial void LogStreamFailed(ILogger logger, Exception error, string @namespace, string pod, string container, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Pod {Namespace}/{Pod} is gone; stopped following {Container}")]
    private static partial void LogPodGone(ILogger logger, string @namespace, string pod, string container);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Not allowed to read the log of {Namespace}/{Pod}/{Container}: {Message}. Grant `get` on `pods/log` to ActorLoki's service account")]
    private static partial void LogForbidden(ILogger logger, string @namespace, string pod, string container, string message);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "{Count} instance(s) of {Namespace}/{Pod}/{Container} started and ended unseen; their lines could not be read")]
    private static partial void LogUnseen(ILogger logger, int count, string @namespace, string pod, string container);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Saved position of {Namespace}/{Pod}/{Container} (instance {Instance}) does not match its log; re-sending from that second (Loki drops the duplicates)")]
    private static partial void LogPositionMismatch(ILogger logger, string @namespace, string pod, string container, int instance);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Log of {Namespace}/{Pod}/{Container} cannot be opened: {Message}")]
    private static partial void LogOpenRefused(ILogger logger, string @namespace, string pod, string container, string message);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Reopening the log of {Namespace}/{Pod}/{Container} ({Reason}) from {From}, skipping {Skip}")]
    private static partial void LogReopen(ILogger logger, string @namespace, string pod, string container, string reason, string from, long skip);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Opening the log of {Namespace}/{Pod}/{Container} instance {Instance} (follow {Follow}, previous {Previous}) from {From}, skipping {Skip}")]
    private static partial void LogOpen(ILogger logger, string @namespace, string pod, string container, int instance, bool follow, bool previous, string from, long skip);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Opening the log of {Namespace}/{Pod}/{Container} took longer than {Timeout}; trying again")]
    private static partial void LogOpenTimedOut(ILogger logger, string @namespace, string pod, string container, TimeSpan timeout);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The position of {Namespace}/{Pod}/{Container} could not be read yet; asking again")]
    private static partial void LogPositionUnavailable(ILogger logger, Exception error, string @namespace, string pod, string container);
}

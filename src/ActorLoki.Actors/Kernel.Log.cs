using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors;

/// <summary>The kernel's log events (category <c>ActorLoki.Actors</c>); ids 1001-1099 are stable.</summary>
internal static partial class KernelLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Actor {ActorPath} failed; its supervisor decided {Directive}")]
    public static partial void ChildFailed(ILogger logger, ActorPath actorPath, Directive directive, Exception cause);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Actor {ActorPath} failed; its supervisor resumed it")]
    public static partial void ChildResumed(ILogger logger, ActorPath actorPath, Exception cause);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Failure of {ActorPath} escalated to its parent")]
    public static partial void Escalating(ILogger logger, ActorPath actorPath, Exception cause);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Actor {ActorPath} failed while stopping or awaiting a directive; only logged")]
    public static partial void FailureIgnored(ILogger logger, ActorPath actorPath, Exception cause);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "{Hook} of actor {ActorPath} threw")]
    public static partial void HookFailed(ILogger logger, ActorPath actorPath, string hook, Exception error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Dead letter {MessageType} from {Sender} to {ActorPath}")]
    public static partial void DeadLetter(ILogger logger, Type messageType, ActorPath? sender, ActorPath actorPath);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "Unhandled message {MessageType} from {Sender} in {ActorPath}")]
    public static partial void Unhandled(ILogger logger, Type messageType, ActorPath? sender, ActorPath actorPath);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Mailbox of {ActorPath} full ({Capacity}): {Policy} dropped a {MessageType}")]
    public static partial void MailboxOverflow(ILogger logger, ActorPath actorPath, int capacity, OverflowPolicy policy, Type messageType);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "An event stream subscriber to {EventType} threw")]
    public static partial void SubscriberFailed(ILogger logger, string eventType, Exception error);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Critical, Message = "Failure of {ActorPath} escalated past the guardian; the actor system stops")]
    public static partial void EscalatedToRoot(ILogger logger, ActorPath actorPath, Exception cause);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Actor system {System} did not stop within {Deadline}; still alive: {Alive}")]
    public static partial void TerminationDeadlineExceeded(ILogger logger, string system, TimeSpan deadline, string alive);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "Actor system {System} terminated")]
    public static partial void SystemTerminated(ILogger logger, string system);
}

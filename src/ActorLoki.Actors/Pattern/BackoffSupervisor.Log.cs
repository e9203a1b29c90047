using Microsoft.Extensions.Logging;

namespace ActorLoki.Actors.Pattern;

public sealed partial class BackoffSupervisor
{
    /// <summary>Back-off supervisor log events; ids 1101-1199 are stable.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Child {Child} failed; it is stopped and restarted after a back-off")]
        public static partial void ChildFailedRestarting(ILogger logger, string child, Exception cause);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Child {Child} restarts after {Delay} (attempt {Attempt})")]
        public static partial void RestartScheduled(ILogger logger, string child, int attempt, TimeSpan delay, Exception? cause);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Child {Child} failed more than {MaxNrOfRetries} times; the back-off supervisor stops")]
        public static partial void GivingUp(ILogger logger, string child, int maxNrOfRetries, Exception? cause);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Child {Child} stopped on its own; the back-off supervisor stops")]
        public static partial void ChildStoppedItself(ILogger logger, string child);
    }
}

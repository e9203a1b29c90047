namespace ActorLoki.Actors.Pattern;

/// <summary>
/// Implemented by an exception that knows how long to wait before trying again (e.g. HTTP Retry-After).
/// When a back-off supervisor's child fails with it, the next delay is at least <see cref="RetryAfter"/>.
/// </summary>
public interface IRetryAfter
{
    TimeSpan? RetryAfter { get; }
}

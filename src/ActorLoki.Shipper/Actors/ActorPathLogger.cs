using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Actors;

/// <summary>Adds the actor's path (<c>ActorPath</c>) to every event an actor logs.</summary>
internal sealed class ActorPathLogger(ILogger inner, string path) : ILogger
{
    private readonly KeyValuePair<string, object?>[] _scope = [new("ActorPath", path)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        using (inner.BeginScope(_scope))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}

using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ActorLoki.Testing;

/// <summary>
/// Logs into a test's output (xunit shows it when the test fails), from <paramref name="minimum"/> up;
/// the level can be lowered for one run with ACTORLOKI_TEST_LOG_LEVEL=Debug.
/// </summary>
public sealed class XunitLoggerFactory(ITestOutputHelper? output, LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    private readonly LogLevel _minimum = Environment.GetEnvironmentVariable("ACTORLOKI_TEST_LOG_LEVEL") is { } level && Enum.TryParse<LogLevel>(level, out var parsed) ? parsed : minimum;

    public ILogger CreateLogger(string categoryName) => new XunitLogger(output, categoryName, _minimum);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class XunitLogger(ITestOutputHelper? output, string category, LogLevel minimum) : ILogger
    {
        private readonly string _shortCategory = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => output is not null && logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                output!.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {_shortCategory}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has already finished; xunit refuses late output.
            }
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Serilog.Parsing;
using MelLogger = Microsoft.Extensions.Logging.ILogger;
using SerilogLogger = Serilog.ILogger;

namespace ActorLoki.Logging;

/// <summary>
/// Routes <see cref="Microsoft.Extensions.Logging"/> (what every ActorLoki library logs through, with
/// source-generated <c>[LoggerMessage]</c> methods) into Serilog, keeping the structured properties,
/// the event id and the scopes (the actor path). Serilog.Extensions.Logging does not restore here.
/// </summary>
public sealed class SerilogLoggerProvider(SerilogLogger root) : ILoggerProvider, ISupportExternalScope
{
    private const string OriginalFormat = "{OriginalFormat}";

    private static readonly MessageTemplateParser Parser = new();
    private static readonly ConcurrentDictionary<string, MessageTemplate> Templates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Logger> _loggers = new(StringComparer.Ordinal);
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public MelLogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, name => new Logger(this, root.ForContext(Serilog.Core.Constants.SourceContextPropertyName, name)));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Trace => LogEventLevel.Verbose,
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Information => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };

    private sealed class Logger(SerilogLoggerProvider provider, SerilogLogger serilog) : MelLogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && serilog.IsEnabled(ToSerilog(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var level = ToSerilog(logLevel);
            if (logLevel == LogLevel.None || !serilog.IsEnabled(level))
            {
                return;
            }

            var properties = new List<LogEventProperty>();
            MessageTemplate template;
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && values.Count > 0 && values[^1].Key == OriginalFormat)
            {
                template = Templates.GetOrAdd(values[^1].Value as string ?? string.Empty, Parser.Parse);
                for (var i = 0; i < values.Count - 1; i++)
                {
                    Add(properties, NameInTemplate(template, values[i].Key), values[i].Value);
                }
            }
            else
            {
                template = Parser.Parse(formatter(state, exception).Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal));
            }

            if (eventId.Id != 0)
            {
                Add(properties, "EventId", eventId.Id);
            }

            provider._scopes.ForEachScope(
                static (scope, state) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            if (key != OriginalFormat && !state.Properties.Exists(p => p.Name == key))
                            {
                                Add(state.Properties, key, value);
                            }
                        }
                    }
                },
                (Properties: properties, Provider: provider));

            serilog.Write(new LogEvent(DateTimeOffset.UtcNow, level, exception, template, properties));
        }

        /// <summary>
        /// The template's spelling of a property: Microsoft.Extensions.Logging matches names case-insensitively, and
        /// source-generated methods with more than six parameters name them after the parameter (<c>@namespace</c>
        /// for <c>{Namespace}</c>), while Serilog renders only exact names.
        /// </summary>
        private static string NameInTemplate(MessageTemplate template, string name)
        {
            name = name.TrimStart('@');
            foreach (var token in template.Tokens)
            {
                if (token is PropertyToken property && string.Equals(property.PropertyName, name, StringComparison.OrdinalIgnoreCase))
                {
                    return property.PropertyName;
                }
            }

            return name;
        }

        private static void Add(List<LogEventProperty> properties, string name, object? value)
        {
            if (name.Length > 0 && name[0] == '@')
            {
                name = name[1..];
            }

            properties.Add(new LogEventProperty(name, value switch
            {
                null => new ScalarValue(null),
                string or bool or int or long or double or float or decimal or DateTimeOffset or DateTime or TimeSpan or Guid or Enum => new ScalarValue(value),
                _ => new ScalarValue(value.ToString()),
            }));
        }
    }
}

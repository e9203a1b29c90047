using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Sinks.SystemConsole.Themes;

namespace ActorLoki.Logging;

/// <summary>
/// ActorLoki's own logs: human-readable text on a terminal, one JSON object per line otherwise (what log
/// collectors, ActorLoki itself included, read best), minimum level overall and per source namespace.
/// </summary>
public static class ActorLokiLogging
{
    public const string TextTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>Builds the Serilog logger and a logger factory over it; dispose both at exit (flushes).</summary>
    public static (ILoggerFactory Factory, Logger Serilog) Create(LoggingSettings settings, TextWriter output, bool outputIsTerminal)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = new LoggerConfiguration().MinimumLevel.Is(ToSerilog(settings.Level));
        foreach (var (source, level) in settings.Levels)
        {
            configuration.MinimumLevel.Override(source, ToSerilog(level));
        }

        var json = settings.Format == LogFormat.Json || (settings.Format == LogFormat.Auto && !outputIsTerminal);
        if (!json && outputIsTerminal && ReferenceEquals(output, Console.Out))
        {
            configuration.WriteTo.Console(outputTemplate: TextTemplate, theme: AnsiConsoleTheme.Code, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            ITextFormatter formatter = json
                ? new JsonLogFormatter()
                : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture);
            configuration.WriteTo.Sink(new TextWriterSink(output, formatter));
        }

        var serilog = configuration.CreateLogger();
        var factory = LoggerFactory.Create(builder =>
        {
            builder.ClearProviders();
            builder.SetMinimumLevel(LogLevel.Trace); // Serilog filters, per source.
            builder.AddProvider(new SerilogLoggerProvider(serilog));
        });
        return (factory, serilog);
    }

    internal static LogEventLevel ToSerilog(ShipperLogLevel level) => level switch
    {
        ShipperLogLevel.Verbose => LogEventLevel.Verbose,
        ShipperLogLevel.Debug => LogEventLevel.Debug,
        ShipperLogLevel.Information => LogEventLevel.Information,
        ShipperLogLevel.Warning => LogEventLevel.Warning,
        ShipperLogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };

    /// <summary>Writes formatted events to a writer, one at a time.</summary>
    private sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
    {
        private readonly Lock _gate = new();

        public void Emit(LogEvent logEvent)
        {
            lock (_gate)
            {
                formatter.Format(logEvent, writer);
                writer.Flush();
            }
        }
    }
}

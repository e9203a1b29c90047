using System.Globalization;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Sinks.SystemConsole.Themes;
using Serilog.Templates;

namespace ActorLoki.Logging;

/// <summary>
/// ActorLoki's own logs: human-readable text on a terminal, one JSON object per line otherwise (what log
/// collectors, ActorLoki itself included, read best), minimum level overall and per source namespace.
/// Libraries log through Microsoft.Extensions.Logging (source-generated <c>[LoggerMessage]</c> methods with stable
/// event ids); Serilog.Extensions.Logging carries those events, their properties and scopes (the actor path) into
/// Serilog, and Akka's own events arrive through Akka.Logger.Serilog and <see cref="Log.Logger"/>.
/// </summary>
public static class ActorLokiLogging
{
    public const string TextTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// One flat JSON object per line, so that Loki's <c>| json</c> (or any collector) gets every field at the top:
    /// <c>{"Timestamp":"2026-05-01T10:00:00.1234567Z","Level":"Warning","Message":"Log stream of shop/web-0/app failed …",
    /// "MessageTemplate":"Log stream of {Namespace}/{Pod}/{Container} failed …","EventId":2001,"SourceContext":"…",
    /// "ActorPath":"…","Namespace":"shop","Pod":"web-0","Container":"app","Exception":"…"}</c>. The message shows values
    /// as they are (no quotes around strings); the event id is its number (its name, when set, is <c>EventName</c>); a
    /// property named like one of the fixed fields (<c>{Message}</c> in a template) is written with a leading underscore.
    /// </summary>
    public const string JsonTemplate =
        "{ {Timestamp: ToString(UtcDateTime(@t), 'o'), Level: @l, Message: @m, MessageTemplate: @mt, EventId: EventId.Id, EventName: EventId.Name, "
        + "..rest(), _Timestamp: Timestamp, _Level: Level, _Message: Message, _MessageTemplate: MessageTemplate, _EventName: EventName, "
        + "_Exception: Exception, Exception: @x} }\n";

    /// <summary>Builds the Serilog logger and a logger factory over it; dispose both at exit (flushes).</summary>
    public static (ILoggerFactory Factory, Logger Serilog) Create(LoggingSettings settings, TextWriter output, bool outputIsTerminal)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var configuration = new LoggerConfiguration().MinimumLevel.Is(ToSerilog(settings.Level)).Enrich.With<TemplatePropertyNames>();
        foreach (var (source, level) in settings.Levels)
        {
            configuration.MinimumLevel.Override(source, ToSerilog(level));
        }

        var json = settings.Format == LogFormat.Json || (settings.Format == LogFormat.Auto && !outputIsTerminal);
        if (!json && outputIsTerminal && ReferenceEquals(output, Console.Out))
        {
            configuration.WriteTo.Console(outputTemplate: TextTemplate, theme: AnsiConsoleTheme.Code, formatProvider: CultureInfo.InvariantCulture);
        }
        else
        {
            ITextFormatter formatter = json
                ? new ExpressionTemplate(JsonTemplate, CultureInfo.InvariantCulture)
                : new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture);
            configuration.WriteTo.Sink(new TextWriterSink(output, formatter));
        }

        var serilog = configuration.CreateLogger();
        var factory = LoggerFactory.Create(builder =>
        {
            builder.ClearProviders();
            builder.SetMinimumLevel(LogLevel.Trace); // Serilog filters, per source.
            builder.AddProvider(new SerilogLoggerProvider(serilog, dispose: false));
        });
        return (factory, serilog);
    }

    /// <summary>
    /// Makes <paramref name="serilog"/> the process-wide <see cref="Log.Logger"/>, which Akka.Logger.Serilog writes Akka's
    /// events to, until the returned handle is disposed (the previous logger comes back). Only a command that runs the
    /// shipper does this; tests build loggers side by side without it.
    /// </summary>
    public static IDisposable UseAsGlobal(Logger serilog)
    {
        ArgumentNullException.ThrowIfNull(serilog);
        var previous = Log.Logger;
        Log.Logger = serilog;
        return new GlobalLogger(serilog, previous);
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

    private sealed class GlobalLogger(Logger current, Serilog.ILogger previous) : IDisposable
    {
        public void Dispose()
        {
            if (ReferenceEquals(Log.Logger, current))
            {
                Log.Logger = previous;
            }
        }
    }

    /// <summary>Writes formatted events to a writer, one at a time, flushed, so that a line is never torn or held back.</summary>
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

using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace ActorLoki.Logging;

/// <summary>
/// One JSON object per line, flat, so that Loki's <c>| json</c> (or any collector) gets every field at the top:
/// <c>{"Timestamp":"2026-05-01T10:00:00.1234567Z","Level":"Warning","Message":"Log stream of shop/web-0/app failed …",
/// "MessageTemplate":"Log stream of {Namespace}/{Pod}/{Container} failed …","EventId":2001,"SourceContext":"…",
/// "ActorPath":"…","Namespace":"shop","Pod":"web-0","Container":"app","Exception":"…"}</c>. The message shows
/// values as they are (no quotes around strings, unlike Serilog's own JSON); a property named like one of the
/// fixed fields is written with a leading underscore.
/// </summary>
public sealed class JsonLogFormatter : ITextFormatter
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "Timestamp", "Level", "Message", "MessageTemplate", "Exception" };

    private readonly MessageTemplateTextFormatter _message = new("{Message:lj}", CultureInfo.InvariantCulture);
    private readonly JsonValueFormatter _values = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        output.Write("{\"Timestamp\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        output.Write("\",\"Level\":\"");
        output.Write(logEvent.Level.ToString());
        output.Write("\",\"Message\":");
        using (var message = new StringWriter(CultureInfo.InvariantCulture))
        {
            _message.Format(logEvent, message);
            JsonValueFormatter.WriteQuotedJsonString(message.ToString(), output);
        }

        output.Write(",\"MessageTemplate\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.MessageTemplate.Text, output);
        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(Reserved.Contains(name) ? "_" + name : name, output);
            output.Write(':');
            _values.Format(value, output);
        }

        if (logEvent.Exception is { } exception)
        {
            output.Write(",\"Exception\":");
            JsonValueFormatter.WriteQuotedJsonString(exception.ToString(), output);
        }

        output.Write("}\n");
    }
}

using System.Text;
using System.Text.Json;

namespace ActorLoki.Tests.Logging;

/// <summary>A writer that many threads may write to while a test reads what was written: JSON log lines, parsed on demand.</summary>
internal sealed class LogCollector : TextWriter
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Every complete JSON line written so far.</summary>
    public IReadOnlyList<JsonElement> Events =>
    [
        .. CompleteLines().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement),
    ];

    /// <summary>The text up to the last newline: a line still being written (by another thread) is left out.</summary>
    private string CompleteLines()
    {
        var text = Text;
        return text[..(text.LastIndexOf('\n') + 1)];
    }

    /// <summary>The events with a given event id.</summary>
    public IReadOnlyList<JsonElement> WithEventId(int id) =>
        [.. Events.Where(e => e.TryGetProperty("EventId", out var v) && v.GetInt32() == id)];

    public override void Write(char value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_gate)
        {
            _text.Append(buffer, index, count);
        }
    }
}

using System.Text;

namespace ActorLoki.Hocon;

/// <summary>
/// A HOCON source that cannot be parsed or resolved, or a value that cannot be read as the type
/// asked for. The message starts with <c>file:line:column: </c>; <see cref="SourceLine"/> holds the
/// offending line and <see cref="ToDetailedString"/> shows it with a caret under the column.
/// </summary>
public sealed class HoconException : FormatException
{
    public HoconException()
        : this(new HoconOrigin("unknown"), "invalid HOCON")
    {
    }

    public HoconException(string message)
        : this(new HoconOrigin("unknown"), message)
    {
    }

    public HoconException(string message, Exception innerException)
        : this(new HoconOrigin("unknown"), message, innerException)
    {
    }

    public HoconException(HoconOrigin origin, string reason, Exception? innerException = null)
        : base(Format(origin, reason), innerException)
    {
        Origin = origin;
        Reason = reason;
    }

    public HoconOrigin Origin { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>The file path or description of the source.</summary>
    public string Description => Origin.Description;

    public int Line => Origin.Line;

    public int Column => Origin.Column;

    /// <summary>The offending line of the source, when known.</summary>
    public string? SourceLine => Origin.SourceLine;

    /// <summary>The message, then the offending line and a caret under the column.</summary>
    public string ToDetailedString()
    {
        var line = SourceLine;
        if (line is null)
        {
            return Message;
        }

        var text = new StringBuilder(Message).AppendLine().Append("    ").AppendLine(line.Replace('\t', ' '));
        text.Append(' ', 4 + Math.Clamp(Column - 1, 0, line.Length)).Append('^');
        return text.ToString();
    }

    private static string Format(HoconOrigin origin, string reason)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return $"{origin}: {reason}";
    }
}

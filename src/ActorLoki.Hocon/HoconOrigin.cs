namespace ActorLoki.Hocon;

/// <summary>
/// Where a value or an error comes from: a file or description (<c>application.conf</c>,
/// <c>reference.conf</c>, <c>environment variable LOKI_URL</c>, <c>command line</c>), and for text
/// sources the 1-based line and column. A line of 0 means the source has no lines.
/// </summary>
public sealed class HoconOrigin : IEquatable<HoconOrigin>
{
    private readonly HoconSourceText? _source;

    public HoconOrigin(string description, int line = 0, int column = 0, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        Description = description;
        Line = line;
        Column = column;
        Detail = detail;
    }

    internal HoconOrigin(HoconSourceText source, int line, int column)
        : this(source.Description, line, column) => _source = source;

    private HoconOrigin(HoconOrigin origin, string? detail)
        : this(origin.Description, origin.Line, origin.Column, detail) => _source = origin._source;

    /// <summary>The file path as given, a resource name, or a description of a non-file source.</summary>
    public string Description { get; }

    /// <summary>1-based line, or 0 when the source has no lines.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 code units), or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>Extra provenance, e.g. <c>environment variable LOKI_URL</c> for a substitution filled from the environment.</summary>
    public string? Detail { get; }

    /// <summary>The text of the source line this origin points at, when the source text is known.</summary>
    public string? SourceLine => Line > 0 ? _source?.GetLine(Line) : null;

    public HoconOrigin WithDetail(string? detail) => new(this, detail);

    /// <summary><c>file:line:column</c> (or the description alone for sources without lines), then the detail.</summary>
    public override string ToString()
    {
        var position = Line > 0 ? FormattableString.Invariant($"{Description}:{Line}:{Column}") : Description;
        return Detail is null ? position : $"{position} ({Detail})";
    }

    /// <summary><c>file:line</c> (or the description alone), as printed in <c>config print --origin</c> comments.</summary>
    public string ToShortString()
    {
        var position = Line > 0 ? FormattableString.Invariant($"{Description}:{Line}") : Description;
        return Detail is null ? position : $"{position} ({Detail})";
    }

    public bool Equals(HoconOrigin? other) =>
        other is not null
        && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && Line == other.Line
        && Column == other.Column
        && string.Equals(Detail, other.Detail, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as HoconOrigin);

    public override int GetHashCode() => HashCode.Combine(Description, Line, Column, Detail);
}

namespace ActorLoki.Hocon;

/// <summary>How to parse: where includes come from and how deep a document may nest.</summary>
public sealed record HoconParseOptions
{
    public static HoconParseOptions Default { get; } = new();

    /// <summary>Finds included files; the default reads the file system relative to the including file.</summary>
    public IHoconIncluder Includer { get; init; } = FileHoconIncluder.Instance;

    /// <summary>Directory that relative includes of a document without a file (a string) are resolved against; null is the current directory.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Deepest nesting of objects and arrays (including the nesting of included files), so hostile input cannot exhaust the stack.</summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>Most files included inside one another.</summary>
    public int MaxIncludeDepth { get; init; } = 32;
}

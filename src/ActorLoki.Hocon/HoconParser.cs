using ActorLoki.Hocon.Parsing;

namespace ActorLoki.Hocon;

/// <summary>
/// Parses HOCON (Lightbend specification) into an unresolved tree: merge it with fallbacks, then
/// resolve it (<see cref="HoconResolver"/>, or <see cref="Config"/> which does both).
/// Any malformed input ends in a <see cref="HoconException"/>, never in another exception.
/// </summary>
public static class HoconParser
{
    /// <param name="description">Names the source in origins and errors, e.g. <c>application.conf</c>.</param>
    public static HoconObject Parse(string text, string description = "string", HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(description);
        return Parser.ParseDocument(new HoconSourceText(description, text), null, options ?? HoconParseOptions.Default, [], []);
    }

    /// <summary>Parses UTF-8 bytes (strictly: invalid UTF-8 is an error). <paramref name="filePath"/> anchors relative includes.</summary>
    public static HoconObject Parse(ReadOnlySpan<byte> utf8, string description, string? filePath = null, HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        var text = FileHoconIncluder.Decode(utf8.ToArray(), description);
        var fullPath = filePath is null ? null : Path.GetFullPath(filePath);
        return Parser.ParseDocument(
            new HoconSourceText(description, text), fullPath, options ?? HoconParseOptions.Default, [], fullPath is null ? [] : [fullPath]);
    }

    /// <summary>Parses a file; its path as given is the description used in origins and errors.</summary>
    public static HoconObject ParseFile(string path, HoconParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HoconException(new HoconOrigin(path), $"cannot read the file: {e.Message}", e);
        }

        return Parse(bytes, path, path, options);
    }
}

/// <summary>Resolves the substitutions of a merged tree (see the specification's "Substitutions").</summary>
public static class HoconResolver
{
    /// <param name="environment">Fallback for substitutions whose path is not set; see <see cref="HoconEnvironment"/>.</param>
    public static HoconObject Resolve(HoconObject root, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(environment);
        return Resolution.Resolver.Resolve(root, environment);
    }
}

/// <summary>Environment variables as substitution fallbacks.</summary>
public static class HoconEnvironment
{
    public static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A snapshot of the process environment.</summary>
    public static IReadOnlyDictionary<string, string> Process()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                variables[key] = value;
            }
        }

        return variables;
    }
}

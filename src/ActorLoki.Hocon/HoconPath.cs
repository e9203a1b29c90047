using ActorLoki.Hocon.Parsing;

namespace ActorLoki.Hocon;

/// <summary>Path expressions (<c>a.b."c.d"</c>) to segments and back.</summary>
public static class HoconPath
{
    /// <summary>Splits a path expression as a key would be split; throws <see cref="HoconException"/> when it is not one.</summary>
    public static IReadOnlyList<string> Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var source = new HoconSourceText("path expression", expression);
        var tokens = Tokenizer.Tokenize(source);
        tokens.RemoveAt(tokens.Count - 1);
        return PathExpression.Build(tokens, source, 1, 1, "path");
    }

    /// <summary>Joins segments with dots, quoting those that need it, so that <see cref="Parse"/> gives them back.</summary>
    public static string Render(IEnumerable<string> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return string.Join('.', segments.Select(static (s, i) => RenderKey(s, i == 0)));
    }

    /// <summary>One key, quoted when it is empty, holds a dot, whitespace or a reserved character, or is <c>include</c>.</summary>
    public static string RenderKey(string key, bool first = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        var plain = key.Length > 0
            && !(first && key == "include")
            && !key.Contains("//", StringComparison.Ordinal)
            && key.All(static c => c != '.' && !Tokenizer.IsWhitespace(c) && !Tokenizer.IsForbidden(c) && !char.IsControl(c));
        return plain ? key : HoconRenderer.Quote(key);
    }
}

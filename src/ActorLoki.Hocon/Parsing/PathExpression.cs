using System.Text;

namespace ActorLoki.Hocon.Parsing;

/// <summary>
/// Turns the tokens of a key or of a substitution into path segments: dots outside quotes separate
/// segments (also dots inside numbers, which keep their written form), quoted text keeps its dots,
/// whitespace between tokens belongs to the key, and an empty segment must be quoted.
/// </summary>
internal static class PathExpression
{
    public static List<string> Build(IReadOnlyList<Token> tokens, HoconSourceText source, int line, int column, string what)
    {
        var first = 0;
        var last = tokens.Count - 1;
        while (first <= last && tokens[first].Kind == TokenKind.Whitespace)
        {
            first++;
        }

        while (last >= first && tokens[last].Kind == TokenKind.Whitespace)
        {
            last--;
        }

        if (first > last)
        {
            throw new HoconException(new HoconOrigin(source, line, column), $"empty {what}: expected a path such as a.b.c");
        }

        // The common key is one word without dots: no builder needed.
        var only = tokens[first];
        if (first == last
            && (only.Kind == TokenKind.QuotedString || (only.Kind is TokenKind.UnquotedText or TokenKind.Number && !only.Text.Contains('.', StringComparison.Ordinal))))
        {
            return [only.Text];
        }

        var segments = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        for (var i = first; i <= last; i++)
        {
            var token = tokens[i];
            switch (token.Kind)
            {
                case TokenKind.QuotedString:
                    current.Append(token.Text);
                    hasContent = true;
                    break;
                case TokenKind.Whitespace:
                    current.Append(token.Text);
                    break;
                case TokenKind.UnquotedText or TokenKind.Number:
                    for (var c = 0; c < token.Text.Length; c++)
                    {
                        if (token.Text[c] == '.')
                        {
                            if (!hasContent)
                            {
                                throw EmptySegment(source, token, c, what);
                            }

                            segments.Add(current.ToString());
                            current.Clear();
                            hasContent = false;
                        }
                        else
                        {
                            current.Append(token.Text[c]);
                            hasContent = true;
                        }
                    }

                    break;
                default:
                    throw new HoconException(
                        new HoconOrigin(source, token.Line, token.Column),
                        $"{token.Describe()} is not allowed in a {what}");
            }
        }

        if (!hasContent)
        {
            var token = tokens[last];
            throw EmptySegment(source, token, token.Text.Length - 1, what);
        }

        segments.Add(current.ToString());
        return segments;
    }

    private static HoconException EmptySegment(HoconSourceText source, Token token, int offset, string what) =>
        new(
            new HoconOrigin(source, token.Line, token.Column + Math.Max(offset, 0)),
            $"a {what} cannot have an empty element (a leading, trailing or double '.'); quote an empty key as \"\"");
}

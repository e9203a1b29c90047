namespace ActorLoki.Hocon.Parsing;

internal enum TokenKind
{
    End,
    Newline,
    Whitespace,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Comma,
    Colon,
    Equals,
    PlusEquals,
    QuotedString,
    UnquotedText,
    Number,
    Substitution,
}

/// <summary>One token with its position; a substitution carries its parsed path.</summary>
internal sealed class Token(TokenKind kind, string text, int line, int column)
{
    public TokenKind Kind { get; } = kind;

    /// <summary>The string value (quoted strings unescaped), the raw text otherwise.</summary>
    public string Text { get; } = text;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public IReadOnlyList<string> SubstitutionPath { get; init; } = [];

    public bool OptionalSubstitution { get; init; }

    public bool IsValuePart => Kind is TokenKind.QuotedString or TokenKind.UnquotedText or TokenKind.Number or TokenKind.Substitution;

    /// <summary>How the token reads in an error message ("found ...").</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of file",
        TokenKind.Newline => "newline",
        TokenKind.Whitespace => "whitespace",
        TokenKind.OpenBrace => "'{'",
        TokenKind.CloseBrace => "'}'",
        TokenKind.OpenBracket => "'['",
        TokenKind.CloseBracket => "']'",
        TokenKind.Comma => "','",
        TokenKind.Colon => "':'",
        TokenKind.Equals => "'='",
        TokenKind.PlusEquals => "'+='",
        TokenKind.QuotedString => "string " + HoconRenderer.Quote(Text.Length > 40 ? Text[..40] + "..." : Text),
        TokenKind.Number => "number " + Text,
        TokenKind.Substitution => (OptionalSubstitution ? "${?" : "${") + HoconPath.Render(SubstitutionPath) + "}",
        _ => "'" + (Text.Length > 40 ? Text[..40] + "..." : Text) + "'",
    };
}

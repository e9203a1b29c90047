using System.Globalization;
using System.Text;

namespace ActorLoki.Hocon.Parsing;

/// <summary>
/// Splits HOCON text into tokens. Whitespace and newlines are tokens because HOCON gives them meaning
/// (newlines separate fields, whitespace between simple values is kept in a concatenation); comments
/// are dropped, the newline that ends them is not.
/// </summary>
internal sealed class Tokenizer
{
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly HoconSourceText _source;
    private readonly string _text;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Tokenizer(HoconSourceText source)
    {
        _source = source;
        _text = source.Text;
    }

    public static List<Token> Tokenize(HoconSourceText source)
    {
        var tokenizer = new Tokenizer(source);
        tokenizer.Run();
        return tokenizer._tokens;
    }

    /// <summary>HOCON whitespace: Unicode space, line and paragraph separators, the ASCII controls the specification lists, and a byte-order mark.</summary>
    public static bool IsWhitespace(char c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or '\u001C' or '\u001D' or '\u001E' or '\u001F' or '\uFEFF' => true,
        _ => c > 0x7F || c == ' '
            ? CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            : false,
    };

    public static bool IsForbidden(char c) => Forbidden.Contains(c, StringComparison.Ordinal);

    private int Column => _pos - _lineStart + 1;

    private HoconException Error(int line, int column, string reason) => new(new HoconOrigin(_source, line, column), reason);

    private void Run()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                Emit(TokenKind.Newline, "\n", _line, Column);
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else if (IsWhitespace(c))
            {
                ReadWhitespace();
            }
            else
            {
                _tokens.Add(ReadValueOrPunctuation(inSubstitution: false));
            }
        }

        Emit(TokenKind.End, "", _line, Column);
    }

    private void Emit(TokenKind kind, string text, int line, int column) => _tokens.Add(new Token(kind, text, line, column));

    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private Token ReadWhitespace()
    {
        var (line, column, start) = (_line, Column, _pos);
        while (_pos < _text.Length && _text[_pos] != '\n' && IsWhitespace(_text[_pos]))
        {
            _pos++;
        }

        // A single space is by far the most common run; share its string.
        var token = new Token(TokenKind.Whitespace, _pos - start == 1 && _text[start] == ' ' ? " " : _text[start.._pos], line, column);
        _tokens.Add(token);
        return token;
    }

    private Token ReadValueOrPunctuation(bool inSubstitution)
    {
        var (line, column) = (_line, Column);
        var c = _text[_pos];
        switch (c)
        {
            case '"':
                return Peek(1) == '"' && Peek(2) == '"' ? ReadTripleQuoted() : ReadQuoted();
            case '{' or '}' or '[' or ']' or ',' or ':' or '=' when !inSubstitution:
                _pos++;
                return new Token(
                    c switch
                    {
                        '{' => TokenKind.OpenBrace,
                        '}' => TokenKind.CloseBrace,
                        '[' => TokenKind.OpenBracket,
                        ']' => TokenKind.CloseBracket,
                        ',' => TokenKind.Comma,
                        ':' => TokenKind.Colon,
                        _ => TokenKind.Equals,
                    },
                    c switch
                    {
                        '{' => "{",
                        '}' => "}",
                        '[' => "[",
                        ']' => "]",
                        ',' => ",",
                        ':' => ":",
                        _ => "=",
                    },
                    line,
                    column);
            case '+' when Peek(1) == '=' && !inSubstitution:
                _pos += 2;
                return new Token(TokenKind.PlusEquals, "+=", line, column);
            case '$' when Peek(1) == '{' && !inSubstitution:
                return ReadSubstitution();
            case '-' when char.IsAsciiDigit(Peek(1)):
                return ReadNumber();
            default:
                if (char.IsAsciiDigit(c))
                {
                    return ReadNumber();
                }

                if (IsForbidden(c))
                {
                    throw Error(line, column, inSubstitution
                        ? $"'{c}' is not allowed in a substitution path; quote the key"
                        : $"reserved character '{c}' is not allowed outside quotes; quote the string");
                }

                return ReadUnquoted();
        }
    }

    private Token ReadUnquoted()
    {
        var (line, column, start) = (_line, Column, _pos);
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (IsWhitespace(c) || IsForbidden(c) || (c == '/' && Peek(1) == '/'))
            {
                break;
            }

            _pos++;
        }

        return new Token(TokenKind.UnquotedText, _text[start.._pos], line, column);
    }

    private Token ReadNumber()
    {
        var (line, column, start) = (_line, Column, _pos);
        if (_text[_pos] == '-')
        {
            _pos++;
        }

        SkipDigits();
        if (Peek(0) == '.' && char.IsAsciiDigit(Peek(1)))
        {
            _pos++;
            SkipDigits();
        }

        if (Peek(0) is 'e' or 'E')
        {
            var sign = Peek(1) is '+' or '-' ? 1 : 0;
            if (char.IsAsciiDigit(Peek(1 + sign)))
            {
                _pos += 1 + sign;
                SkipDigits();
            }
        }

        return new Token(TokenKind.Number, _text[start.._pos], line, column);
    }

    private void SkipDigits()
    {
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }
    }

    private Token ReadQuoted()
    {
        var (line, column) = (_line, Column);
        _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error(line, column, "unterminated quoted string: expected '\"' but found end of file");
            }

            var c = _text[_pos];
            if (c == '"')
            {
                _pos++;
                return new Token(TokenKind.QuotedString, value.ToString(), line, column);
            }

            if (c == '\n')
            {
                throw Error(line, column, "unterminated quoted string: expected '\"' before the end of the line (use \"\"\" for a multi-line string)");
            }

            if (c < ' ')
            {
                throw Error(_line, Column, FormattableString.Invariant($"control character U+{(int)c:X4} must be escaped in a quoted string"));
            }

            if (c == '\\')
            {
                ReadEscape(value);
            }
            else
            {
                value.Append(c);
                _pos++;
            }
        }
    }

    private void ReadEscape(StringBuilder value)
    {
        var column = Column;
        var escaped = Peek(1);
        _pos += 2;
        switch (escaped)
        {
            case '"' or '\\' or '/':
                value.Append(escaped);
                break;
            case 'b':
                value.Append('\b');
                break;
            case 'f':
                value.Append('\f');
                break;
            case 'n':
                value.Append('\n');
                break;
            case 'r':
                value.Append('\r');
                break;
            case 't':
                value.Append('\t');
                break;
            case 'u':
                if (_pos + 4 > _text.Length
                    || !ushort.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    throw Error(_line, column, "invalid escape: \\u must be followed by four hexadecimal digits");
                }

                value.Append((char)code);
                _pos += 4;
                break;
            default:
                throw Error(_line, column, escaped == '\0' && _pos > _text.Length
                    ? "unterminated quoted string: expected '\"' but found end of file"
                    : $"invalid escape '\\{escaped}' in a quoted string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
    }

    private Token ReadTripleQuoted()
    {
        var (line, column) = (_line, Column);
        _pos += 3;
        var start = _pos;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '"')
            {
                var run = 0;
                while (_pos + run < _text.Length && _text[_pos + run] == '"')
                {
                    run++;
                }

                if (run >= 3)
                {
                    // Quotes before the last three of a run belong to the string: """a""""" is a"".
                    var value = _text[start..(_pos + run - 3)];
                    _pos += run;
                    return new Token(TokenKind.QuotedString, value, line, column);
                }

                _pos += run;
            }
            else
            {
                if (c == '\n')
                {
                    _line++;
                    _lineStart = _pos + 1;
                }

                _pos++;
            }
        }

        throw Error(line, column, "unterminated multi-line string: expected '\"\"\"' but found end of file");
    }

    private Token ReadSubstitution()
    {
        var (line, column) = (_line, Column);
        _pos += 2;
        var optional = false;
        if (Peek(0) == '?')
        {
            optional = true;
            _pos++;
        }

        var parts = new List<Token>();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                throw Error(line, column, $"unterminated substitution: expected '}}' but found {(_pos >= _text.Length ? "end of file" : "newline")}");
            }

            var c = _text[_pos];
            if (c == '}')
            {
                _pos++;
                break;
            }

            if (c == '/' && Peek(1) == '/')
            {
                throw Error(_line, Column, "a comment cannot start inside a substitution; expected '}'");
            }

            if (IsWhitespace(c))
            {
                var (wsLine, wsColumn, start) = (_line, Column, _pos);
                while (_pos < _text.Length && _text[_pos] != '\n' && IsWhitespace(_text[_pos]))
                {
                    _pos++;
                }

                parts.Add(new Token(TokenKind.Whitespace, _text[start.._pos], wsLine, wsColumn));
            }
            else
            {
                parts.Add(ReadValueOrPunctuation(inSubstitution: true));
            }
        }

        var path = PathExpression.Build(parts, _source, line, column, "substitution");
        return new Token(TokenKind.Substitution, "", line, column) { SubstitutionPath = path, OptionalSubstitution = optional };
    }
}

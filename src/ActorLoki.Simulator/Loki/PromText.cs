using System.Globalization;
using System.Text;

namespace ActorLoki.Simulator.Loki;

/// <summary>
/// Reads the Prometheus text form of labels and matchers as Loki's parsers do (PromQL's lexer):
/// identifiers <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, string literals in double quotes, single quotes or
/// backticks with Go's escapes, spaces between tokens, an optional trailing comma. Errors read like
/// PromQL's: <c>1:5: parse error: …</c>.
/// </summary>
internal sealed class PromText
{
    private readonly string _input;

    public PromText(string input) => _input = input;

    public int Position { get; private set; }

    public bool AtEnd
    {
        get
        {
            SkipSpaces();
            return Position >= _input.Length;
        }
    }

    /// <summary>
    /// Parses a metric as <c>promql_parser.ParseMetric</c> does: <c>name{a="b", c="d"}</c>, name optional
    /// (it becomes <c>__name__</c>). Returns the labels sorted by name with empty values removed (as Loki's
    /// <c>syntax.ParseLabels</c> normalises them); duplicates are kept for the validator to find.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseLabels(string input)
    {
        var text = new PromText(input);
        var labels = new List<KeyValuePair<string, string>>();
        text.SkipSpaces();
        if (text.TryIdentifier(out var metric))
        {
            labels.Add(new("__name__", metric));
        }

        if (!text.AtEnd || labels.Count == 0)
        {
            text.Expect('{', "in label set");
            while (!text.TryConsume('}'))
            {
                var name = text.Identifier("in label set", "identifier or \"}\"");
                text.Expect('=', "in label set");
                var value = text.StringLiteral("in label set");
                labels.Add(new(name, value));
                if (!text.TryConsume(','))
                {
                    text.Expect('}', "in label set");
                    break;
                }
            }

            if (!text.AtEnd)
            {
                throw text.Error($"unexpected {text.Describe()}", "");
            }
        }

        labels.RemoveAll(l => l.Value.Length == 0);
        labels.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }

    public void SkipSpaces()
    {
        while (Position < _input.Length && _input[Position] is ' ' or '\t' or '\n' or '\r')
        {
            Position++;
        }
    }

    public bool TryConsume(char c)
    {
        SkipSpaces();
        if (Position < _input.Length && _input[Position] == c)
        {
            Position++;
            return true;
        }

        return false;
    }

    public bool TryConsume(string token)
    {
        SkipSpaces();
        if (string.CompareOrdinal(_input, Position, token, 0, token.Length) == 0)
        {
            Position += token.Length;
            return true;
        }

        return false;
    }

    public void Expect(char c, string context)
    {
        if (!TryConsume(c))
        {
            throw Error($"unexpected {Describe()} {context}", $"expected \"{c}\"");
        }
    }

    public bool TryIdentifier(out string identifier)
    {
        SkipSpaces();
        var start = Position;
        if (Position < _input.Length && (char.IsAsciiLetter(_input[Position]) || _input[Position] == '_'))
        {
            Position++;
            while (Position < _input.Length && (char.IsAsciiLetterOrDigit(_input[Position]) || _input[Position] == '_'))
            {
                Position++;
            }
        }

        identifier = _input[start..Position];
        return identifier.Length > 0;
    }

    public string Identifier(string context, string expected) =>
        TryIdentifier(out var name) ? name : throw Error($"unexpected {Describe()} {context}", $"expected {expected}");

    /// <summary>A Go string literal: "…" or '…' with escapes, or `…` raw.</summary>
    public string StringLiteral(string context)
    {
        SkipSpaces();
        if (Position >= _input.Length || _input[Position] is not ('"' or '\'' or '`'))
        {
            throw Error($"unexpected {Describe()} {context}", "expected string");
        }

        var quote = _input[Position++];
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (Position >= _input.Length || (_input[Position] == '\n' && quote != '`'))
            {
                throw Error("unterminated quoted string", "");
            }

            var c = _input[Position++];
            if (c == quote)
            {
                break;
            }

            if (c != '\\' || quote == '`')
            {
                var rune = char.IsHighSurrogate(c) && Position < _input.Length ? new Rune(c, _input[Position++]) : Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
                bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
                continue;
            }

            ReadEscape(quote, bytes, utf8);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public FormatException Error(string message, string expected)
    {
        var detail = expected.Length > 0 ? $"{message}, {expected}" : message;
        return new FormatException($"1:{Position + 1}: parse error: {detail}");
    }

    public string Describe()
    {
        SkipSpaces();
        if (Position >= _input.Length)
        {
            return "end of input";
        }

        var c = _input[Position];
        return char.IsAsciiLetter(c) || c == '_' ? $"identifier \"{Peek()}\"" : $"\"{c}\"";
    }

    private string Peek()
    {
        var end = Position;
        while (end < _input.Length && (char.IsAsciiLetterOrDigit(_input[end]) || _input[end] == '_'))
        {
            end++;
        }

        return _input[Position..end];
    }

    private void ReadEscape(char quote, List<byte> bytes, Span<byte> utf8)
    {
        if (Position >= _input.Length)
        {
            throw Error("escape sequence not terminated", "");
        }

        var c = _input[Position++];
        switch (c)
        {
            case 'a': bytes.Add(0x07); return;
            case 'b': bytes.Add(0x08); return;
            case 'f': bytes.Add(0x0C); return;
            case 'n': bytes.Add(0x0A); return;
            case 'r': bytes.Add(0x0D); return;
            case 't': bytes.Add(0x09); return;
            case 'v': bytes.Add(0x0B); return;
            case '\\': bytes.Add((byte)'\\'); return;
            case '"' or '\'' when c == quote: bytes.Add((byte)c); return;
            case 'x':
                bytes.Add((byte)Hex(2));
                return;
            case 'u' or 'U':
                var value = Hex(c == 'u' ? 4 : 8);
                if (!Rune.IsValid(value))
                {
                    throw Error("invalid Unicode code point in escape sequence", "");
                }

                bytes.AddRange(utf8[..new Rune(value).EncodeToUtf8(utf8)]);
                return;
            case >= '0' and <= '7':
                Position--;
                var octal = 0;
                for (var i = 0; i < 3; i++)
                {
                    if (Position >= _input.Length || _input[Position] is < '0' or > '7')
                    {
                        throw Error("invalid character in escape sequence", "");
                    }

                    octal = (octal * 8) + (_input[Position++] - '0');
                }

                if (octal > 255)
                {
                    throw Error("octal escape value > 255", "");
                }

                bytes.Add((byte)octal);
                return;
            default:
                throw Error($"unknown escape sequence '{c}'", "");
        }
    }

    private int Hex(int digits)
    {
        if (Position + digits > _input.Length ||
            !int.TryParse(_input.AsSpan(Position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw Error("invalid character in escape sequence", "");
        }

        Position += digits;
        return value;
    }
}

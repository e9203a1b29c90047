using ActorLoki.Hocon.Resolution;

namespace ActorLoki.Hocon.Parsing;

/// <summary>
/// Recursive-descent parser from tokens to an unresolved tree. Duplicate keys, dotted keys, includes
/// and concatenated objects are merged here; substitutions are left in place for the resolver.
/// Paths are tracked so that <c>+=</c> and included substitutions know where they stand.
/// </summary>
internal sealed class Parser
{
    private readonly HoconSourceText _source;
    private readonly List<Token> _tokens;
    private readonly HoconParseOptions _options;
    private readonly string? _filePath;
    private readonly IReadOnlyList<string> _prefix;
    private readonly IReadOnlyList<string> _includeStack;
    private int _index;
    private int _depth;

    private Parser(HoconSourceText source, string? filePath, HoconParseOptions options, IReadOnlyList<string> prefix, IReadOnlyList<string> includeStack)
    {
        _source = source;
        _filePath = filePath;
        _options = options;
        _prefix = prefix;
        _includeStack = includeStack;
        _depth = prefix.Count;
        _tokens = Tokenizer.Tokenize(source);
    }

    public static HoconObject ParseDocument(
        HoconSourceText source, string? filePath, HoconParseOptions options, IReadOnlyList<string> prefix, IReadOnlyList<string> includeStack) =>
        new Parser(source, filePath, options, prefix, includeStack).ParseDocument();

    private Token Peek => _tokens[_index];

    private HoconOrigin OriginOf(Token token) => new(_source, token.Line, token.Column);

    private HoconException Error(Token token, string reason) => new(OriginOf(token), reason);

    private Token Next() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace)
        {
            _index++;
        }
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            _index++;
        }
    }

    private HoconObject ParseDocument()
    {
        SkipWhitespaceAndNewlines();
        var first = Peek;
        if (first.Kind == TokenKind.OpenBracket)
        {
            throw Error(first, "the root of a configuration must be an object, not an array");
        }

        HoconObject root;
        if (first.Kind == TokenKind.OpenBrace)
        {
            root = ParseBracedObject([]);
            SkipWhitespaceAndNewlines();
            if (Peek.Kind != TokenKind.End)
            {
                throw Error(Peek, $"expected end of file after the root object but found {Peek.Describe()}");
            }
        }
        else
        {
            root = ParseObjectBody(braced: false, [], first);
        }

        return root;
    }

    private void EnterNesting(Token token)
    {
        if (++_depth > _options.MaxDepth)
        {
            throw Error(token, FormattableString.Invariant($"objects and arrays nest deeper than {_options.MaxDepth} levels"));
        }
    }

    private HoconObject ParseBracedObject(IReadOnlyList<string>? path)
    {
        var open = Next();
        EnterNesting(open);
        var result = ParseObjectBody(braced: true, path, open);
        _depth--;
        return result;
    }

    private HoconObject ParseObjectBody(bool braced, IReadOnlyList<string>? path, Token open)
    {
        var fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal);
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == TokenKind.CloseBrace)
            {
                if (!braced)
                {
                    throw Error(token, "unbalanced '}': the file does not open the root object with '{'");
                }

                _index++;
                break;
            }

            if (token.Kind == TokenKind.End)
            {
                if (braced)
                {
                    throw Error(token, FormattableString.Invariant($"expected '}}' (closing the object opened at {open.Line}:{open.Column}) but found end of file"));
                }

                break;
            }

            if (token.Kind == TokenKind.Comma)
            {
                throw Error(token, "expected a key but found ',' (a comma must follow a field, and only one)");
            }

            object after;
            if (token is { Kind: TokenKind.UnquotedText, Text: "include" })
            {
                ParseInclude(fields, path);
                after = "the include";
            }
            else
            {
                after = ParseField(fields, path);
            }

            ExpectSeparator(braced ? TokenKind.CloseBrace : TokenKind.End, after);
        }

        return new HoconObject(fields, OriginOf(open), adopt: true);
    }

    /// <summary>After a field (<paramref name="after"/> is its key) or element (a description): a comma, a newline, or the closing token.</summary>
    private void ExpectSeparator(TokenKind closer, object after)
    {
        var separated = false;
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            separated |= Next().Kind == TokenKind.Newline;
        }

        if (Peek.Kind == TokenKind.Comma)
        {
            _index++;
            return;
        }

        if (separated || Peek.Kind == closer || Peek.Kind == TokenKind.End)
        {
            return;
        }

        var hint = Peek.Kind is TokenKind.Colon or TokenKind.Equals
            ? $" (quote a string that holds {Peek.Describe()})"
            : "";
        var what = after is IReadOnlyList<string> key ? $"the value of '{HoconPath.Render(key)}'" : after;
        throw Error(Peek, $"expected ',' or a newline after {what} but found {Peek.Describe()}{hint}");
    }

    /// <summary>Parses one field into <paramref name="fields"/> and returns its key.</summary>
    private List<string> ParseField(OrderedDictionary<string, HoconValue> fields, IReadOnlyList<string>? path)
    {
        var keyStart = Peek;
        var keyTokens = new List<Token>();
        while (Peek.Kind is TokenKind.QuotedString or TokenKind.UnquotedText or TokenKind.Number or TokenKind.Whitespace)
        {
            keyTokens.Add(Next());
        }

        if (Peek.Kind == TokenKind.Substitution)
        {
            throw Error(Peek, "substitutions are not allowed in keys");
        }

        if (keyTokens.Count == 0)
        {
            throw Error(keyStart, $"expected a key but found {keyStart.Describe()}");
        }

        var segments = PathExpression.Build(keyTokens, _source, keyStart.Line, keyStart.Column, "key");
        if (_depth + segments.Count - 1 > _options.MaxDepth)
        {
            throw Error(keyStart, FormattableString.Invariant($"the key nests objects deeper than {_options.MaxDepth} levels"));
        }
        var separator = Peek;
        var append = false;
        switch (separator.Kind)
        {
            case TokenKind.Colon or TokenKind.Equals:
                _index++;
                break;
            case TokenKind.PlusEquals:
                _index++;
                append = true;
                break;
            case TokenKind.OpenBrace:
                break;
            default:
                throw Error(separator, $"expected ':', '=' or '{{' after key '{HoconPath.Render(segments)}' but found {separator.Describe()}");
        }

        SkipWhitespaceAndNewlines();
        List<string>? fieldPath = path is null ? null : [.. path, .. segments];
        var valueToken = Peek;
        var value = ParseValue(fieldPath)
            ?? throw Error(valueToken, $"expected a value for '{HoconPath.Render(segments)}' but found {valueToken.Describe()}");

        if (append)
        {
            if (fieldPath is null)
            {
                throw Error(separator, "'+=' cannot be used inside an array");
            }

            // a += b is a = ${?a} [b], with the path made absolute so an included file appends to its own field.
            var origin = OriginOf(separator);
            var previous = new HoconSubstitution([.. _prefix, .. fieldPath], optional: true, [], origin);
            value = new HoconConcatenation([previous, new HoconArray([value], value.Origin)], origin);
        }

        var keyOrigin = OriginOf(keyStart);
        for (var i = segments.Count - 1; i >= 1; i--)
        {
            value = new HoconObject([new(segments[i], value)], keyOrigin);
        }

        SetField(fields, segments[0], value);
        return segments;
    }

    private static void SetField(OrderedDictionary<string, HoconValue> fields, string key, HoconValue value) =>
        fields[key] = fields.TryGetValue(key, out var previous) ? HoconMerge.Merge(value, previous) : value;

    /// <summary>A value: one or more parts on one line, concatenated. Null when no value starts here.</summary>
    private HoconValue? ParseValue(IReadOnlyList<string>? path)
    {
        var first = Peek;
        var parts = new List<HoconValue>();
        HoconWhitespace? pendingWhitespace = null;
        var hasSubstitution = false;
        while (true)
        {
            var token = Peek;
            HoconValue? part;
            switch (token.Kind)
            {
                case TokenKind.Whitespace:
                    _index++;
                    if (parts.Count > 0)
                    {
                        pendingWhitespace = new HoconWhitespace(token.Text, OriginOf(token));
                    }

                    continue;
                case TokenKind.QuotedString:
                    _index++;
                    part = new QuotedString(token.Text, OriginOf(token));
                    break;
                case TokenKind.UnquotedText:
                    _index++;
                    part = HoconValue.String(token.Text, OriginOf(token));
                    break;
                case TokenKind.Number:
                    _index++;
                    part = HoconValue.Number(token.Text, OriginOf(token));
                    break;
                case TokenKind.Substitution:
                    _index++;
                    part = new HoconSubstitution(token.SubstitutionPath, token.OptionalSubstitution, _prefix, OriginOf(token));
                    hasSubstitution = true;
                    break;
                case TokenKind.OpenBrace:
                    part = ParseBracedObject(path);
                    break;
                case TokenKind.OpenBracket:
                    part = ParseArray();
                    break;
                default:
                    part = null;
                    break;
            }

            if (part is null)
            {
                break;
            }

            if (pendingWhitespace is not null)
            {
                parts.Add(pendingWhitespace);
                pendingWhitespace = null;
            }

            parts.Add(part);
        }

        if (parts.Count == 0)
        {
            return null;
        }

        if (parts.Count == 1)
        {
            return parts[0] switch
            {
                QuotedString quoted => HoconValue.String(quoted.Text, quoted.Origin),
                HoconScalar { Type: HoconValueType.String, Text: "true" } t => HoconValue.Boolean(true, t.Origin),
                HoconScalar { Type: HoconValueType.String, Text: "false" } f => HoconValue.Boolean(false, f.Origin),
                HoconScalar { Type: HoconValueType.String, Text: "null" } n => HoconValue.Null(n.Origin),
                var single => single,
            };
        }

        var origin = OriginOf(first);
        if (hasSubstitution)
        {
            return new HoconConcatenation([.. parts.Select(static p => p is QuotedString q ? HoconValue.String(q.Text, q.Origin) : p)], origin);
        }

        return Concatenate(parts, origin);
    }

    /// <summary>A concatenation without substitutions, done now: strings join, objects merge, arrays append.</summary>
    private static HoconValue Concatenate(List<HoconValue> parts, HoconOrigin origin)
    {
        var values = parts.Select(static p => p is QuotedString q ? HoconValue.String(q.Text, q.Origin) : p).ToList();
        return Concatenation.Combine(values, values, origin);
    }

    private HoconArray ParseArray()
    {
        var open = Next();
        EnterNesting(open);
        var items = new List<HoconValue>();
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var token = Peek;
            if (token.Kind == TokenKind.CloseBracket)
            {
                _index++;
                break;
            }

            if (token.Kind == TokenKind.End)
            {
                throw Error(token, FormattableString.Invariant($"expected ']' (closing the array opened at {open.Line}:{open.Column}) but found end of file"));
            }

            if (token.Kind == TokenKind.Comma)
            {
                throw Error(token, "expected a value but found ',' (a comma must follow an element, and only one)");
            }

            var value = ParseValue(null) ?? throw Error(token, $"expected a value or ']' but found {token.Describe()}");
            items.Add(value);
            ExpectSeparator(TokenKind.CloseBracket, "an array element");
        }

        _depth--;
        return new HoconArray(items, OriginOf(open));
    }

    private void ParseInclude(OrderedDictionary<string, HoconValue> fields, IReadOnlyList<string>? path)
    {
        var includeToken = Next();
        SkipWhitespaceAndNewlines();
        var (name, kind, required) = ParseIncludeArgument(includeToken);
        var origin = OriginOf(includeToken);
        if (_includeStack.Count >= _options.MaxIncludeDepth)
        {
            throw new HoconException(origin, FormattableString.Invariant($"includes nest deeper than {_options.MaxIncludeDepth} files"));
        }

        var request = new HoconIncludeRequest(name, kind, required, _filePath, _source.Description, _options.BaseDirectory, origin);
        var sources = _options.Includer.Resolve(request);
        if (sources.Count == 0)
        {
            if (required)
            {
                throw new HoconException(origin, $"required include \"{name}\" was not found");
            }

            return;
        }

        IReadOnlyList<string> prefix = [.. _prefix, .. path ?? []];
        foreach (var included in sources)
        {
            if (included.FilePath is not null && _includeStack.Contains(included.FilePath, StringComparer.Ordinal))
            {
                throw new HoconException(origin, $"include cycle: {string.Join(" -> ", _includeStack.Append(included.FilePath).Select(Path.GetFileName))}");
            }

            IReadOnlyList<string> stack = included.FilePath is null ? _includeStack : [.. _includeStack, included.FilePath];
            var root = ParseDocument(new HoconSourceText(included.Description, included.Text), included.FilePath, _options, prefix, stack);
            foreach (var (key, value) in root.Fields)
            {
                SetField(fields, key, value);
            }
        }
    }

    private (string Name, HoconIncludeKind Kind, bool Required) ParseIncludeArgument(Token includeToken)
    {
        var token = Peek;
        if (token.Kind == TokenKind.QuotedString)
        {
            _index++;
            return (token.Text, HoconIncludeKind.Heuristic, false);
        }

        // required(file("x")) tokenizes as unquoted "required(file(", a string, and unquoted "))".
        var opener = "";
        while (Peek.Kind is TokenKind.UnquotedText or TokenKind.Whitespace)
        {
            opener += Next().Kind == TokenKind.UnquotedText ? _tokens[_index - 1].Text : "";
        }

        var words = opener.Split('(');
        var kind = HoconIncludeKind.Heuristic;
        var required = false;
        var valid = opener.Length > 0 && words[^1].Length == 0 && Peek.Kind == TokenKind.QuotedString;
        for (var i = 0; valid && i < words.Length - 1; i++)
        {
            switch (words[i])
            {
                case "required" when i == 0:
                    required = true;
                    break;
                case "file" or "url" or "classpath" when kind == HoconIncludeKind.Heuristic:
                    kind = words[i] switch
                    {
                        "file" => HoconIncludeKind.File,
                        "url" => HoconIncludeKind.Url,
                        _ => HoconIncludeKind.Classpath,
                    };
                    break;
                default:
                    valid = false;
                    break;
            }
        }

        if (!valid)
        {
            throw Error(
                token,
                $"include must be followed by a quoted name, file(\"name\") or required(\"name\"), but found {token.Describe()}");
        }

        var name = Next().Text;
        var closing = "";
        while (Peek.Kind is TokenKind.UnquotedText or TokenKind.Whitespace && closing.Length < words.Length - 1)
        {
            closing += Next().Kind == TokenKind.UnquotedText ? _tokens[_index - 1].Text : "";
        }

        if (closing != new string(')', words.Length - 1))
        {
            throw Error(Peek, $"expected {new string(')', words.Length - 1)} to close the include but found {(closing.Length > 0 ? "'" + closing + "'" : Peek.Describe())}");
        }

        return (name, kind, required);
    }

    /// <summary>A quoted string while a value is being parsed: quoted "true" stays a string.</summary>
    private sealed class QuotedString(string text, HoconOrigin origin) : HoconValue(origin)
    {
        public string Text { get; } = text;

        public override HoconValueType Type => HoconValueType.String;

        public override bool IsResolved => true;

        public override string Describe() => HoconRenderer.Quote(Text);
    }
}

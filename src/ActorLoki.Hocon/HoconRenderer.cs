using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorLoki.Hocon;

/// <summary>How <see cref="HoconRenderer"/> writes a tree.</summary>
public sealed record HoconRenderOptions
{
    /// <summary>Append <c># file:line</c> after each value.</summary>
    public bool Origins { get; init; }

    /// <summary>
    /// Given a scalar's path and text, the text to write instead (quoted), or null to write the value.
    /// Keeps secrets out of printed configuration.
    /// </summary>
    public Func<IReadOnlyList<string>, string, string?>? Redact { get; init; }

    public int IndentSize { get; init; } = 2;

    /// <summary>
    /// Quote every key and every string, and write nothing a weaker HOCON reader could take for a substitution,
    /// an include or a concatenation (Akka's parser reads this text safely). Numbers, booleans and null stay bare.
    /// </summary>
    public bool QuoteAll { get; init; }

    /// <summary>Given a string scalar's path and text, the text to write instead (not a secret: see <see cref="Redact"/>), or null.</summary>
    public Func<IReadOnlyList<string>, string, string?>? Rewrite { get; init; }

    /// <summary>Prefix of every path given to <see cref="Redact"/> (where the rendered object sits).</summary>
    public IReadOnlyList<string> PathPrefix { get; init; } = [];
}

/// <summary>
/// Writes a resolved tree as HOCON that parses back to the same values: keys sorted, objects as
/// nested blocks, strings quoted unless they read the same unquoted (<c>protobuf</c>, <c>1MiB</c>).
/// </summary>
public static partial class HoconRenderer
{
    public static string Render(HoconObject root, HoconRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!root.IsResolved)
        {
            throw new InvalidOperationException("Only a resolved tree can be rendered; resolve it first.");
        }

        options ??= new HoconRenderOptions();
        var text = new StringBuilder();
        WriteFields(text, root, [.. options.PathPrefix], 0, options);
        return text.ToString();
    }

    /// <summary>A JSON string literal.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                case '\n':
                    quoted.Append("\\n");
                    break;
                case '\r':
                    quoted.Append("\\r");
                    break;
                case '\t':
                    quoted.Append("\\t");
                    break;
                case '\b':
                    quoted.Append("\\b");
                    break;
                case '\f':
                    quoted.Append("\\f");
                    break;
                default:
                    if (c < ' ' || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u0085')
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }

    private static void WriteFields(StringBuilder text, HoconObject obj, List<string> path, int depth, HoconRenderOptions options)
    {
        foreach (var key in obj.Keys.Order(StringComparer.Ordinal))
        {
            var value = obj.Fields[key];
            path.Add(key);
            Indent(text, depth, options);
            text.Append(options.QuoteAll ? Quote(key) : HoconPath.RenderKey(key));
            if (value is HoconObject { Count: > 0 } child)
            {
                text.AppendLine(" {");
                WriteFields(text, child, path, depth + 1, options);
                Indent(text, depth, options);
                text.AppendLine("}");
            }
            else
            {
                text.Append(" = ");
                WriteValue(text, value, path, depth, options);
                if (options.Origins)
                {
                    text.Append("  # ").Append(value.Origin.ToShortString().ReplaceLineEndings(" "));
                }

                text.AppendLine();
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    private static void WriteValue(StringBuilder text, HoconValue value, List<string> path, int depth, HoconRenderOptions options)
    {
        if (value is HoconScalar { Type: not HoconValueType.Null } redactable && options.Redact?.Invoke(path, redactable.Text) is { } replacement)
        {
            text.Append(Quote(replacement));
            return;
        }

        switch (value)
        {
            case HoconScalar { Type: HoconValueType.String } scalar:
                var written = options.Rewrite?.Invoke(path, scalar.Text) ?? scalar.Text;
                text.Append(!options.QuoteAll && PlainString().IsMatch(written) && written is not ("true" or "false" or "null" or "include")
                    ? written
                    : Quote(written));
                break;
            case HoconScalar { Type: HoconValueType.Number } number when options.QuoteAll && !PlainNumber().IsMatch(number.Text):
                text.Append(Quote(number.Text));
                break;
            case HoconScalar scalar:
                text.Append(scalar.Text);
                break;
            case HoconObject:
                text.Append("{}");
                break;
            case HoconArray array when array.Items.All(static i => i is HoconScalar):
                text.Append('[');
                for (var i = 0; i < array.Items.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    WriteValue(text, array.Items[i], path, depth, options);
                }

                text.Append(']');
                break;
            case HoconArray array:
                text.AppendLine("[");
                foreach (var item in array.Items)
                {
                    Indent(text, depth + 1, options);
                    if (item is HoconObject { Count: > 0 } obj)
                    {
                        text.AppendLine("{");
                        WriteFields(text, obj, path, depth + 2, options);
                        Indent(text, depth + 1, options);
                        text.AppendLine("}");
                    }
                    else
                    {
                        WriteValue(text, item, path, depth + 1, options);
                        text.AppendLine();
                    }
                }

                Indent(text, depth, options);
                text.Append(']');
                break;
            default:
                throw new InvalidOperationException("Only a resolved tree can be rendered; resolve it first.");
        }
    }

    private static void Indent(StringBuilder text, int depth, HoconRenderOptions options) => text.Append(' ', depth * options.IndentSize);

    /// <summary>Words that tokenize back to the same single string: a letter-led word, or a number directly followed by a unit.</summary>
    [GeneratedRegex(@"^(?:[A-Za-z][A-Za-z0-9_-]*|[0-9]+(?:\.[0-9]+)?[A-Za-z]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainString();

    /// <summary>A number every HOCON reader takes as one token: optional minus, digits, optional fraction.</summary>
    [GeneratedRegex(@"^-?[0-9]+(?:\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainNumber();
}

using System.Collections.Immutable;
using System.Text;

namespace ActorLoki.Loki;

/// <summary>
/// The labels of one Loki stream in canonical form: unique names, sorted by name (ordinal, as Prometheus
/// sorts), no empty values (Loki treats an empty value as an absent label). Immutable. Equality and the
/// hash code come from the canonical text, computed once, so a label set is a cheap dictionary key for
/// the batcher. Build one with <see cref="LabelSetBuilder"/>, which validates and sanitises names.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    private readonly int _hashCode;

    internal LabelSet(ImmutableArray<Label> sortedLabels)
    {
        Labels = sortedLabels;
        Text = Render(sortedLabels);
        Utf8Text = Encoding.UTF8.GetBytes(Text);
        _hashCode = StringComparer.Ordinal.GetHashCode(Text);
    }

    /// <summary>The labels, sorted by name.</summary>
    public ImmutableArray<Label> Labels { get; }

    /// <summary>
    /// The Prometheus text form Loki parses, e.g. <c>{app="api", namespace="dev1"}</c>: the exact form Loki
    /// prints a stream's labels in, with backslash, double quote, newline, carriage return, tab and other
    /// control characters escaped and every other character (unicode included) written as is.
    /// </summary>
    public string Text { get; }

    /// <summary><see cref="Text"/> in UTF-8, computed once for the encoders.</summary>
    internal byte[] Utf8Text { get; }

    public int Count => Labels.Length;

    /// <summary>The value of <paramref name="name"/>, or null when the set has no such label.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var label in Labels)
            {
                if (string.Equals(label.Name, name, StringComparison.Ordinal))
                {
                    return label.Value;
                }
            }

            return null;
        }
    }

    /// <summary>A builder holding these labels, to derive a changed set.</summary>
    public LabelSetBuilder ToBuilder(LabelLimits? limits = null)
    {
        var builder = new LabelSetBuilder(limits);
        foreach (var label in Labels)
        {
            builder.Set(label.Name, label.Value);
        }

        return builder;
    }

    public bool Equals(LabelSet? other) =>
        ReferenceEquals(this, other) ||
        (other is not null && other._hashCode == _hashCode && string.Equals(other.Text, Text, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hashCode;

    public override string ToString() => Text;

    public static bool operator ==(LabelSet? left, LabelSet? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(LabelSet? left, LabelSet? right) => !(left == right);

    /// <summary>Appends <paramref name="value"/> as the body of a double-quoted Prometheus string.</summary>
    internal static void AppendEscaped(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '"':
                    text.Append("\\\"");
                    break;
                case '\n':
                    // A raw newline ends a quoted string in the PromQL lexer ("unterminated quoted string").
                    text.Append(@"\n");
                    break;
                case '\r':
                    text.Append(@"\r");
                    break;
                case '\t':
                    text.Append(@"\t");
                    break;
                case < ' ' or '\u007f':
                    // Go's strconv.Unquote, which Loki's parser uses, reads \xNN.
                    text.Append(@"\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    private static string Render(ImmutableArray<Label> labels)
    {
        var text = new StringBuilder(2 + (labels.Length * 24));
        text.Append('{');
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(labels[i].Name).Append("=\"");
            AppendEscaped(text, labels[i].Value);
            text.Append('"');
        }

        return text.Append('}').ToString();
    }
}

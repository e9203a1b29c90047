using System.Collections.Immutable;
using System.Text;
using ActorLoki.Loki.Wire;

namespace ActorLoki.Loki;

/// <summary>
/// Structured metadata of a log line: a few name/value pairs stored with the entry but not part of the
/// stream's labels (so high-cardinality values such as a pod's name or UID do not multiply streams).
/// Immutable; the encoded forms are computed once, so one instance shared by many lines costs nothing
/// per line. Names are sanitised like label names; pairs with an empty value are left out.
/// </summary>
public sealed class StructuredMetadata
{
    private StructuredMetadata(ImmutableArray<Label> pairs)
    {
        Pairs = pairs;
        var names = new byte[pairs.Length][];
        var values = new byte[pairs.Length][];
        for (var i = 0; i < pairs.Length; i++)
        {
            names[i] = Encoding.UTF8.GetBytes(pairs[i].Name);
            values[i] = Encoding.UTF8.GetBytes(pairs[i].Value);
            ByteSize += names[i].Length + values[i].Length;
        }

        Utf8Names = names;
        Utf8Values = values;
        ProtobufFields = ProtobufPushWriter.EncodeMetadataFields(names, values);
    }

    /// <summary>The pairs, in the order given.</summary>
    public ImmutableArray<Label> Pairs { get; }

    /// <summary>Bytes of names and values, as Loki counts them against <c>max_structured_metadata_size</c>.</summary>
    public int ByteSize { get; }

    internal byte[][] Utf8Names { get; }

    internal byte[][] Utf8Values { get; }

    /// <summary>The entry's repeated field 3 (<c>structuredMetadata</c>), tags included, ready to copy.</summary>
    internal byte[] ProtobufFields { get; }

    /// <summary>Creates metadata from pairs; returns null when no pair has a value.</summary>
    public static StructuredMetadata? Create(params ReadOnlySpan<Label> pairs)
    {
        var kept = ImmutableArray.CreateBuilder<Label>(pairs.Length);
        foreach (var pair in pairs)
        {
            ArgumentNullException.ThrowIfNull(pair.Name);
            if (string.IsNullOrEmpty(pair.Value))
            {
                continue;
            }

            var name = LabelSetBuilder.SanitizeName(pair.Name);
            if (name.Length == 0)
            {
                throw new ArgumentException("A structured metadata name is empty.", nameof(pairs));
            }

            kept.Add(new Label(name, pair.Value));
        }

        return kept.Count == 0 ? null : new StructuredMetadata(kept.ToImmutable());
    }

    public override string ToString() => string.Join(", ", Pairs);
}

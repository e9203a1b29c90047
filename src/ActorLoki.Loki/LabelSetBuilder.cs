using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using ActorLoki.Loki.Wire;

namespace ActorLoki.Loki;

/// <summary>
/// Builds a <see cref="LabelSet"/> Loki will accept. Names are sanitised the way Prometheus relabelling
/// does (every character outside <c>[a-zA-Z0-9_]</c> becomes <c>_</c>; a leading digit gets a <c>_</c> in
/// front), so <c>app.kubernetes.io/name</c> becomes <c>app_kubernetes_io_name</c>. Names starting with
/// <c>__</c> are refused: they are reserved. A null or empty value removes the label, as in Loki.
/// </summary>
/// <remarks>
/// A value longer than <see cref="LabelLimits.MaxLabelValueBytes"/> is truncated rather than refused, so
/// the stream's lines still reach Loki: the value keeps its first bytes (cut on a character boundary) and
/// ends with <c>~</c> and 16 hex digits of a stable 64-bit FNV-1a hash of the whole value, so two long
/// values that share a prefix still make two streams, and the same value makes the same stream after a
/// restart. More names than <see cref="LabelLimits.MaxLabelNames"/> is an error: which labels matter is
/// the configuration's decision, not the builder's.
/// </remarks>
public sealed class LabelSetBuilder
{
    /// <summary>Bytes of the suffix a truncated value ends with: <c>~</c> and 16 hex digits.</summary>
    public const int TruncationSuffixBytes = 17;

    private const string ServiceNameLabel = "service_name";

    private readonly LabelLimits _limits;
    private readonly Dictionary<string, (string RawName, string Value)> _labels = new(StringComparer.Ordinal);
    private readonly List<LabelProblem> _problems = [];

    public LabelSetBuilder(LabelLimits? limits = null)
    {
        _limits = limits ?? LabelLimits.Default;
        _limits.Validate();
    }

    /// <summary>Problems found by the calls to <see cref="Set"/> so far.</summary>
    public IReadOnlyList<LabelProblem> Problems => _problems;

    /// <summary>Sets a label; a null or empty value removes it. Returns the builder.</summary>
    public LabelSetBuilder Set(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sanitised = SanitizeName(name);
        if (sanitised.Length == 0)
        {
            _problems.Add(new LabelProblem(LabelProblemKind.NameEmpty, name, "A label name is empty."));
            return this;
        }

        if (sanitised.StartsWith("__", StringComparison.Ordinal))
        {
            _problems.Add(new LabelProblem(LabelProblemKind.NameReserved, name, $"Label name '{name}' is reserved: names starting with '__' belong to Loki and Prometheus."));
            return this;
        }

        if (!string.Equals(sanitised, name, StringComparison.Ordinal))
        {
            _problems.Add(new LabelProblem(LabelProblemKind.NameSanitised, name, $"Label name '{name}' was sanitised to '{sanitised}'."));
        }

        if (string.IsNullOrEmpty(value))
        {
            _labels.Remove(sanitised);
            return this;
        }

        if (_labels.TryGetValue(sanitised, out var existing) && !string.Equals(existing.RawName, name, StringComparison.Ordinal))
        {
            _problems.Add(new LabelProblem(LabelProblemKind.NameCollision, name, $"Labels '{existing.RawName}' and '{name}' both become '{sanitised}'; the value of '{name}' was kept."));
        }

        _labels[sanitised] = (name, ReplaceLoneSurrogates(value));
        return this;
    }

    /// <summary>Removes a label (by its name before or after sanitising).</summary>
    public LabelSetBuilder Remove(string name)
    {
        _labels.Remove(SanitizeName(name));
        return this;
    }

    /// <summary>Forgets every label and problem, to build another set.</summary>
    public LabelSetBuilder Clear()
    {
        _labels.Clear();
        _problems.Clear();
        return this;
    }

    /// <summary>
    /// Builds the label set; false (with the problems) when an error prevents it. Problems that are not
    /// errors (sanitised names, truncated values) are reported as well; the set is still built.
    /// </summary>
    public bool TryBuild([NotNullWhen(true)] out LabelSet? labels, out IReadOnlyList<LabelProblem> problems)
    {
        var found = new List<LabelProblem>(_problems);
        var counted = _labels.Count - (_labels.ContainsKey(ServiceNameLabel) ? 1 : 0);
        if (_labels.Count == 0)
        {
            found.Add(new LabelProblem(LabelProblemKind.NoLabels, "", "A stream needs at least one label with a value."));
        }
        else if (counted > _limits.MaxLabelNames)
        {
            found.Add(new LabelProblem(
                LabelProblemKind.TooManyLabels,
                "",
                $"{counted} label names exceed the limit of {_limits.MaxLabelNames} (Loki's max_label_names_per_series): {string.Join(", ", _labels.Keys.Order(StringComparer.Ordinal))}."));
        }

        problems = found;
        if (found.Exists(p => p.IsError))
        {
            labels = null;
            return false;
        }

        var sorted = ImmutableArray.CreateBuilder<Label>(_labels.Count);
        foreach (var (name, (rawName, value)) in _labels)
        {
            var kept = value;
            if (Encoding.UTF8.GetByteCount(value) > _limits.MaxLabelValueBytes)
            {
                kept = TruncateValue(value, _limits.MaxLabelValueBytes);
                found.Add(new LabelProblem(LabelProblemKind.ValueTruncated, rawName, $"The value of label '{name}' was longer than {_limits.MaxLabelValueBytes} bytes (Loki's max_label_value_length) and was truncated."));
            }

            sorted.Add(new Label(name, kept));
        }

        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        labels = new LabelSet(sorted.MoveToImmutable());
        return true;
    }

    /// <summary>Builds the label set, or throws a <see cref="LabelSetException"/> naming every error.</summary>
    public LabelSet Build() =>
        TryBuild(out var labels, out var problems) ? labels : throw new LabelSetException(problems);

    /// <summary>
    /// The name Loki accepts for <paramref name="name"/>: characters outside <c>[a-zA-Z0-9_]</c> replaced
    /// with <c>_</c> (one per character, surrogate pairs included), and a <c>_</c> before a leading digit.
    /// </summary>
    public static string SanitizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (IsValidName(name))
        {
            return name;
        }

        var text = new StringBuilder(name.Length + 1);
        if (name.Length > 0 && char.IsAsciiDigit(name[0]))
        {
            text.Append('_');
        }

        foreach (var rune in name.EnumerateRunes())
        {
            text.Append(rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value == '_') ? (char)rune.Value : '_');
        }

        return text.ToString();
    }

    /// <summary>True when <paramref name="name"/> matches <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    internal static string TruncateValue(string value, int maxBytes)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        var keep = Utf8Lines.BoundaryAtOrBefore(utf8, maxBytes - TruncationSuffixBytes);
        var hash = Fnv1a64(utf8);
        return Encoding.UTF8.GetString(utf8, 0, keep) + "~" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static ulong Fnv1a64(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static string ReplaceLoneSurrogates(string value)
    {
        foreach (var c in value)
        {
            if (char.IsSurrogate(c))
            {
                // UTF-8 cannot carry a lone surrogate; the encoder would write U+FFFD, so the key must say so too.
                return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));
            }
        }

        return value;
    }
}

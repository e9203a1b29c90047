using System.Globalization;

namespace ActorLoki.Hocon;

/// <summary>The type of a HOCON value, as in JSON; <see cref="Unresolved"/> before <see cref="Config.Resolve(IReadOnlyDictionary{string, string}?)"/>.</summary>
public enum HoconValueType
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,

    /// <summary>A substitution, a concatenation holding one, or a merge waiting for one; only in unresolved trees.</summary>
    Unresolved,
}

/// <summary>
/// One node of a HOCON tree. Every node knows its <see cref="Origin"/>. A parsed tree may hold
/// unresolved nodes (substitutions and what depends on them) until it is resolved; a resolved tree
/// holds only objects, arrays and scalars.
/// </summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        Origin = origin;
    }

    public HoconOrigin Origin { get; }

    public abstract HoconValueType Type { get; }

    /// <summary>True when this node and everything below it is free of substitutions.</summary>
    public abstract bool IsResolved { get; }

    /// <summary>
    /// How many values this node stands for once expanded (shared subtrees counted each time they
    /// appear), saturating. Lets the resolver refuse a configuration that substitution blows up.
    /// </summary>
    internal virtual long Weight => 1;

    internal static long WeightOf(IEnumerable<HoconValue> children)
    {
        var weight = 1L;
        foreach (var child in children)
        {
            weight = weight > long.MaxValue - child.Weight ? long.MaxValue : weight + child.Weight;
        }

        return weight;
    }

    public static HoconScalar String(string value, HoconOrigin origin) => new(HoconValueType.String, value, origin);

    /// <summary>A number kept as written (<c>1e5</c> stays <c>1e5</c>), as the specification asks for concatenation.</summary>
    public static HoconScalar Number(string text, HoconOrigin origin) => new(HoconValueType.Number, text, origin);

    public static HoconScalar Boolean(bool value, HoconOrigin origin) => new(HoconValueType.Boolean, value ? "true" : "false", origin);

    public static HoconScalar Null(HoconOrigin origin) => new(HoconValueType.Null, "null", origin);

    /// <summary>A string, number or boolean as text (the automatic conversions of the specification); false for null, objects and arrays.</summary>
    public bool TryGetString(out string value)
    {
        if (this is HoconScalar { Type: not HoconValueType.Null } scalar)
        {
            value = scalar.Text;
            return true;
        }

        value = "";
        return false;
    }

    public bool TryGetInt64(out long value)
    {
        value = 0;
        return TryGetString(out var text) && Type != HoconValueType.Boolean
            && long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public bool TryGetInt32(out int value)
    {
        value = 0;
        return TryGetString(out var text) && Type != HoconValueType.Boolean
            && int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public bool TryGetDouble(out double value)
    {
        value = 0;
        return TryGetString(out var text) && Type != HoconValueType.Boolean
            && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    /// <summary>true/false, and the strings yes/no/on/off, as the specification recommends.</summary>
    public bool TryGetBoolean(out bool value)
    {
        value = false;
        if (!TryGetString(out var text))
        {
            return false;
        }

        switch (text.Trim())
        {
            case "true" or "yes" or "on":
                value = true;
                return true;
            case "false" or "no" or "off":
                return true;
            default:
                return false;
        }
    }

    /// <summary>A duration (<c>500ms</c>, <c>5 minutes</c>, <c>infinite</c>); a bare number is milliseconds.</summary>
    public bool TryGetDuration(out TimeSpan value)
    {
        value = TimeSpan.Zero;
        return Type != HoconValueType.Boolean && TryGetString(out var text) && HoconUnits.TryParseDuration(text, out value);
    }

    /// <summary>A size in bytes (<c>1MiB</c>, <c>512K</c>, <c>1000kB</c>); a bare number is bytes.</summary>
    public bool TryGetByteSize(out long value)
    {
        value = 0;
        return Type != HoconValueType.Boolean && TryGetString(out var text) && HoconUnits.TryParseByteSize(text, out value);
    }

    /// <summary>A short rendering for messages: strings quoted, objects and arrays abbreviated.</summary>
    public abstract string Describe();
}

/// <summary>A string, number, boolean or null.</summary>
public sealed class HoconScalar : HoconValue
{
    internal HoconScalar(HoconValueType type, string text, HoconOrigin origin)
        : base(origin)
    {
        ArgumentNullException.ThrowIfNull(text);
        Type = type;
        Text = text;
    }

    public override HoconValueType Type { get; }

    public override bool IsResolved => true;

    /// <summary>The string itself, the number as written, <c>true</c>/<c>false</c>, or <c>null</c>.</summary>
    public string Text { get; }

    internal HoconScalar WithOrigin(HoconOrigin origin) => ReferenceEquals(origin, Origin) ? this : new(Type, Text, origin);

    public override string Describe() => Type == HoconValueType.String ? HoconRenderer.Quote(Text) : Text;

    public override string ToString() => Text;
}

/// <summary>An array; its items keep their own origins.</summary>
public sealed class HoconArray : HoconValue
{
    public HoconArray(IEnumerable<HoconValue> items, HoconOrigin origin)
        : base(origin)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
        IsResolved = Items.All(static i => i.IsResolved);
        Weight = WeightOf(Items);
    }

    internal override long Weight { get; }

    public IReadOnlyList<HoconValue> Items { get; }

    public override HoconValueType Type => HoconValueType.Array;

    public override bool IsResolved { get; }

    public override string Describe() => Items.Count == 0 ? "[]" : $"[{string.Join(", ", Items.Select(static i => i.Describe()))}]";
}

/// <summary>An object; fields keep the order in which they were first defined.</summary>
public sealed class HoconObject : HoconValue
{
    private readonly OrderedDictionary<string, HoconValue> _fields;

    public HoconObject(IEnumerable<KeyValuePair<string, HoconValue>> fields, HoconOrigin origin)
        : base(origin)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            _fields[key] = value;
        }

        IsResolved = _fields.Values.All(static v => v.IsResolved);
        Weight = WeightOf(_fields.Values);
    }

    internal HoconObject(OrderedDictionary<string, HoconValue> fields, HoconOrigin origin, bool adopt, bool ignoresFallbacks = false)
        : base(origin)
    {
        _ = adopt;
        _fields = fields;
        IgnoresFallbacks = ignoresFallbacks;
        IsResolved = _fields.Values.All(static v => v.IsResolved);
        Weight = WeightOf(_fields.Values);
    }

    internal override long Weight { get; }

    public static HoconObject Empty(HoconOrigin origin) => new([], origin);

    public IReadOnlyDictionary<string, HoconValue> Fields => _fields;

    /// <summary>
    /// True once this object has been merged over a non-object: what lay below that value is hidden,
    /// so further fallbacks must not merge in (merging is pairwise, as the specification explains).
    /// </summary>
    internal bool IgnoresFallbacks { get; }

    internal HoconObject IgnoringFallbacks() => IgnoresFallbacks ? this : new(_fields, Origin, adopt: true, ignoresFallbacks: true);

    public IEnumerable<string> Keys => _fields.Keys;

    public int Count => _fields.Count;

    public override HoconValueType Type => HoconValueType.Object;

    public override bool IsResolved { get; }

    public bool TryGetField(string key, out HoconValue value) => _fields.TryGetValue(key, out value!);

    /// <summary>The value at a path below this object, or null when a segment is missing or not an object.</summary>
    public HoconValue? GetValue(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        HoconValue current = this;
        foreach (var segment in path)
        {
            if (current is not HoconObject obj || !obj._fields.TryGetValue(segment, out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    /// <summary>This object with <paramref name="value"/> merged in at <paramref name="path"/>, as if written later in the same file.</summary>
    public HoconObject WithValue(IReadOnlyList<string> path, HoconValue value)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(value);
        if (path.Count == 0)
        {
            throw new ArgumentException("The path is empty.", nameof(path));
        }

        HoconValue nested = value;
        for (var i = path.Count - 1; i >= 1; i--)
        {
            nested = new HoconObject([new(path[i], nested)], value.Origin);
        }

        return HoconMerge.MergeObjects(new HoconObject([new(path[0], nested)], value.Origin), this);
    }

    /// <summary>This object merged over <paramref name="fallback"/>: this one wins, objects present in both merge.</summary>
    public HoconObject WithFallback(HoconObject fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        return HoconMerge.MergeObjects(this, fallback);
    }

    public override string Describe() => _fields.Count == 0 ? "{}" : "{ ... }";
}

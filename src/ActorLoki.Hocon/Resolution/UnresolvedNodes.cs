namespace ActorLoki.Hocon.Resolution;

/// <summary><c>${path}</c> or <c>${?path}</c>. Resolved against the whole merged tree, after parsing.</summary>
internal sealed class HoconSubstitution : HoconValue
{
    public HoconSubstitution(IReadOnlyList<string> path, bool optional, IReadOnlyList<string> prefix, HoconOrigin origin)
        : base(origin)
    {
        Path = path;
        Optional = optional;
        Prefix = prefix;
    }

    /// <summary>The path as written.</summary>
    public IReadOnlyList<string> Path { get; }

    public bool Optional { get; }

    /// <summary>Where the file holding this substitution was included; the path is looked up below it first.</summary>
    public IReadOnlyList<string> Prefix { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public string Expression => (Optional ? "${?" : "${") + HoconPath.Render(Path) + "}";

    public override string Describe() => Expression;
}

/// <summary>Values written side by side on one line, at least one of them a substitution.</summary>
internal sealed class HoconConcatenation : HoconValue
{
    public HoconConcatenation(IReadOnlyList<HoconValue> parts, HoconOrigin origin)
        : base(origin) => Parts = parts;

    /// <summary>Values and <see cref="HoconWhitespace"/> pieces, in order.</summary>
    public IReadOnlyList<HoconValue> Parts { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public override string Describe() => string.Concat(Parts.Select(static p => p is HoconWhitespace w ? w.Text : p.Describe()));
}

/// <summary>Unquoted whitespace between two parts of a concatenation: kept between strings, ignored between objects or arrays.</summary>
internal sealed class HoconWhitespace(string text, HoconOrigin origin) : HoconValue(origin)
{
    public string Text { get; } = text;

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public override string Describe() => Text;
}

/// <summary>
/// Definitions of one field that cannot be merged before substitutions are resolved, latest first.
/// Kept whole so that a self-referential definition can look at the ones below it.
/// </summary>
internal sealed class HoconDelayedMerge : HoconValue
{
    public HoconDelayedMerge(IReadOnlyList<HoconValue> stack)
        : base(stack[0].Origin) => Stack = stack;

    public IReadOnlyList<HoconValue> Stack { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public override string Describe() => Stack[0].Describe();
}

/// <summary>What an optional substitution of a missing path resolves to: the field, element or part disappears.</summary>
internal sealed class HoconUndefined : HoconValue
{
    public static readonly HoconUndefined Instance = new();

    private HoconUndefined()
        : base(new HoconOrigin("undefined"))
    {
    }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public override string Describe() => "undefined";
}

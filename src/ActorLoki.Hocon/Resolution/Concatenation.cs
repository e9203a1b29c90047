namespace ActorLoki.Hocon.Resolution;

/// <summary>
/// Value concatenation, shared by the parser (parts without substitutions, joined at once) and the
/// resolver (parts whose substitutions have been looked up): strings join with the whitespace
/// between them, arrays append, objects merge; anything else mixed is an error.
/// </summary>
internal static class Concatenation
{
    /// <summary>Largest string or number of values a concatenation may produce; repeated self-references must not exhaust memory.</summary>
    public const int MaxSize = 1_000_000;

    /// <param name="parts">The parts as written, with <see cref="HoconWhitespace"/> pieces between them.</param>
    /// <param name="values">The value of each part (whitespace pieces as they are; <see cref="HoconUndefined"/> for a missing optional substitution).</param>
    public static HoconValue Combine(IReadOnlyList<HoconValue> parts, IReadOnlyList<HoconValue> values, HoconOrigin origin)
    {
        HoconValue? first = null;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (value is HoconWhitespace or HoconUndefined)
            {
                continue;
            }

            first ??= value;
            if (Kind(value) != Kind(first))
            {
                var via = parts[i] is HoconSubstitution substitution ? $": {substitution.Expression} is {Kind(value)}" : "";
                throw new HoconException(
                    parts[i].Origin,
                    $"cannot concatenate {Kind(first)} with {Kind(value)}{via} (only strings, arrays with arrays, or objects with objects)");
            }
        }

        switch (first)
        {
            case null:
                return HoconUndefined.Instance;
            case HoconObject:
                HoconObject? merged = null;
                foreach (var next in values.OfType<HoconObject>())
                {
                    merged = merged is null ? next : HoconMerge.MergeObjects(next, merged);
                }

                return new HoconObject(merged!.Fields, origin);
            case HoconArray:
                var array = new HoconArray(values.OfType<HoconArray>().SelectMany(static a => a.Items), origin);
                return array.Weight <= MaxSize ? array : throw TooLarge(origin);
            default:
                var text = new System.Text.StringBuilder();
                for (var i = 0; i < values.Count; i++)
                {
                    text.Append(values[i] switch
                    {
                        HoconWhitespace whitespace => whitespace.Text,

                        // A literal null reads "null"; a substitution that is null adds nothing.
                        HoconScalar { Type: HoconValueType.Null } when parts[i] is HoconSubstitution => "",
                        HoconScalar scalar => scalar.Text,
                        _ => "",
                    });
                    if (text.Length > MaxSize)
                    {
                        throw TooLarge(origin);
                    }
                }

                return HoconValue.String(text.ToString(), origin);
        }
    }

    private static HoconException TooLarge(HoconOrigin origin) =>
        new(origin, FormattableString.Invariant($"the concatenation grows beyond {MaxSize} characters or values (a substitution repeated too often?)"));

    private static string Kind(HoconValue value) => value switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        _ => "a string",
    };
}

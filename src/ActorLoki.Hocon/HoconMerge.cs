using ActorLoki.Hocon.Resolution;

namespace ActorLoki.Hocon;

/// <summary>
/// The one merge rule of the specification, used for duplicate keys, includes, concatenated objects
/// and layered files alike: objects merge field by field, anything else on top wins. A value that is
/// not yet resolved keeps what is below it (a delayed merge), because it may resolve to an object
/// or refer to the value it overrides.
/// </summary>
internal static class HoconMerge
{
    public static HoconValue Merge(HoconValue top, HoconValue fallback)
    {
        if (top is HoconObject topObject)
        {
            return fallback switch
            {
                HoconObject fallbackObject => MergeObjects(topObject, fallbackObject),
                HoconScalar or HoconArray => topObject.IgnoringFallbacks(),
                _ => Delay(top, fallback),
            };
        }

        return top is HoconScalar or HoconArray ? top : Delay(top, fallback);
    }

    public static HoconObject MergeObjects(HoconObject top, HoconObject fallback)
    {
        if (top.IgnoresFallbacks)
        {
            return top;
        }

        if (fallback.Count == 0)
        {
            return fallback.IgnoresFallbacks ? top.IgnoringFallbacks() : top;
        }

        var fields = new OrderedDictionary<string, HoconValue>(fallback.Fields, StringComparer.Ordinal);
        foreach (var (key, value) in top.Fields)
        {
            fields[key] = fields.TryGetValue(key, out var below) ? Merge(value, below) : value;
        }

        return new HoconObject(fields, top.Origin, adopt: true, fallback.IgnoresFallbacks);
    }

    private static HoconDelayedMerge Delay(HoconValue top, HoconValue fallback)
    {
        var stack = new List<HoconValue>();
        Flatten(top, stack);
        Flatten(fallback, stack);
        return new HoconDelayedMerge(stack);
    }

    private static void Flatten(HoconValue value, List<HoconValue> stack)
    {
        if (value is HoconDelayedMerge delayed)
        {
            stack.AddRange(delayed.Stack);
        }
        else
        {
            stack.Add(value);
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ActorLoki.Hocon.Configuration;

/// <summary>
/// Flattens a resolved tree into configuration keys: path segments joined with ':'
/// (<c>actorloki:loki:batch:max-bytes</c>), array items as <c>:0</c>, <c>:1</c>. An empty object or
/// array becomes a key with a null value, as the JSON provider does, so the section still exists.
/// </summary>
public static class HoconFlattener
{
    public static IReadOnlyDictionary<string, (string? Value, HoconOrigin Origin)> Flatten(HoconObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!root.IsResolved)
        {
            throw new InvalidOperationException("Only a resolved tree can be flattened; resolve it first.");
        }

        var data = new Dictionary<string, (string?, HoconOrigin)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in root.Fields)
        {
            Visit(data, key, value);
        }

        return data;
    }

    private static void Visit(Dictionary<string, (string?, HoconOrigin)> data, string key, HoconValue value)
    {
        switch (value)
        {
            case HoconObject { Count: 0 } or HoconArray { Items.Count: 0 }:
                data[key] = (null, value.Origin);
                break;
            case HoconObject obj:
                foreach (var (child, field) in obj.Fields)
                {
                    Visit(data, ConfigurationPath.Combine(key, child), field);
                }

                break;
            case HoconArray array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Visit(data, ConfigurationPath.Combine(key, i.ToString(CultureInfo.InvariantCulture)), array.Items[i]);
                }

                break;
            case HoconScalar { Type: HoconValueType.Null }:
                data[key] = (null, value.Origin);
                break;
            case HoconScalar scalar:
                data[key] = (scalar.Text, value.Origin);
                break;
        }
    }
}

/// <summary>A configuration provider that can say where each of its keys was set.</summary>
public interface IHoconOriginProvider
{
    bool TryGetOrigin(string key, out HoconOrigin origin);
}

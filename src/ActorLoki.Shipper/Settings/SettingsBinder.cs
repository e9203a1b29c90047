using System.Globalization;
using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Reads the <c>actorloki</c> section into settings records, collecting every problem instead of
/// stopping at the first: each names its key, where the value was set, the value (never a secret
/// one) and what was expected. A bad value reads as a harmless default so binding can go on.
/// </summary>
internal sealed partial class SettingsBinder
{
    private readonly HoconObject _root;
    private readonly List<ConfigurationProblem> _problems;
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    private SettingsBinder(HoconObject root, List<ConfigurationProblem> problems)
    {
        _root = root;
        _problems = problems;
    }

    /// <summary>The settings; only meaningful when no error was added to <paramref name="problems"/>.</summary>
    public static ActorLokiSettings Bind(HoconObject effective, List<ConfigurationProblem> problems) =>
        new SettingsBinder(effective, problems).BindAll();

    private HoconValue? Find(string key)
    {
        HoconValue node = _root;
        var walked = new List<string>();
        foreach (var segment in HoconPath.Parse(key))
        {
            if (node is not HoconObject obj)
            {
                var section = HoconPath.Render(walked);
                if (_reported.Add(section))
                {
                    Error(section, node, "a section { ... }");
                }

                return null;
            }

            walked.Add(segment);
            if (!obj.TryGetField(segment, out node!))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The value at a key, or null (reported) when it is missing, null, or under a non-object.</summary>
    private HoconValue? Value(string key)
    {
        var value = Find(key);
        if (value is null or { Type: HoconValueType.Null })
        {
            if (_reported.Add(key) && !_reported.Any(r => key.StartsWith(r + ".", StringComparison.Ordinal)))
            {
                _problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Error,
                    key,
                    value?.Origin,
                    $"{key} is not set (reference.conf sets it; a null or a removed section leaves it without a value)"));
            }

            return null;
        }

        return value;
    }

    private void Error(string key, HoconValue value, string expectation) =>
        _problems.Add(new ConfigurationProblem(ProblemSeverity.Error, key, value.Origin, $"{key} = {Display(key, value)}: expected {expectation}"));

    private void Warning(string key, HoconValue? value, string message) =>
        _problems.Add(new ConfigurationProblem(ProblemSeverity.Warning, key, value?.Origin, message));

    private static string Display(string key, HoconValue value)
    {
        // The key's last segment decides (list items end in [n]); whatever the type, a secret is not shown.
        var last = key[(key.LastIndexOf('.') + 1)..].Trim('"');
        var bracket = last.IndexOf('[', StringComparison.Ordinal);
        string[] path = [bracket < 0 ? last : last[..bracket]];
        if (SecretKeys.IsSecret(path))
        {
            return SecretKeys.Redacted;
        }

        return value is HoconScalar { Type: HoconValueType.String } scalar
            ? HoconRenderer.Quote(SecretKeys.Display(path, scalar.Text))
            : value.Describe();
    }

    private string String(string key)
    {
        var value = Value(key);
        if (value is null)
        {
            return "";
        }

        if (!value.TryGetString(out var text))
        {
            Error(key, value, "a string");
        }

        return text;
    }

    private bool Boolean(string key)
    {
        var value = Value(key);
        if (value is null)
        {
            return false;
        }

        if (!value.TryGetBoolean(out var result))
        {
            Error(key, value, "true or false");
        }

        return result;
    }

    private int Int(string key, int min, int max = int.MaxValue)
    {
        var value = Value(key);
        if (value is null)
        {
            return min;
        }

        if (!value.TryGetInt64(out var number) || number < min || number > max)
        {
            Error(key, value, max == int.MaxValue
                ? FormattableString.Invariant($"a whole number of at least {min}")
                : FormattableString.Invariant($"a whole number from {min} to {max}"));
            return min;
        }

        return (int)number;
    }

    private double Number(string key, double min, double max)
    {
        var value = Value(key);
        if (value is null)
        {
            return min;
        }

        if (!value.TryGetDouble(out var number) || number < min || number > max)
        {
            Error(key, value, FormattableString.Invariant($"a number from {min} to {max}"));
            return min;
        }

        return number;
    }

    /// <summary>A size in bytes of at least <paramref name="min"/>.</summary>
    private long Size(string key, long min = 1)
    {
        var value = Value(key);
        if (value is null)
        {
            return min;
        }

        if (!value.TryGetByteSize(out var bytes))
        {
            Error(key, value, HoconUnits.ByteSizeExpectation);
            return min;
        }

        if (bytes < min)
        {
            Error(key, value, min == 1 ? "a positive size such as 1MiB" : $"a size of at least {HoconUnits.FormatByteSize(min)}");
            return min;
        }

        return bytes;
    }

    /// <summary>A finite duration, positive unless <paramref name="allowZero"/>.</summary>
    private TimeSpan Duration(string key, bool allowZero = false)
    {
        var value = Value(key);
        if (value is null)
        {
            return TimeSpan.FromSeconds(1);
        }

        if (!value.TryGetDuration(out var duration))
        {
            Error(key, value, HoconUnits.DurationExpectation);
            return TimeSpan.FromSeconds(1);
        }

        if (duration == Timeout.InfiniteTimeSpan || duration < TimeSpan.Zero || (duration == TimeSpan.Zero && !allowZero))
        {
            Error(key, value, allowZero ? "a finite duration of zero or more, such as 0s or 30s" : "a finite positive duration such as 500ms or 10s");
            return TimeSpan.FromSeconds(1);
        }

        return duration;
    }

    private List<string> StringList(string key, Func<string, bool>? valid = null, string? expectation = null)
    {
        var value = Value(key);
        if (value is null)
        {
            return [];
        }

        if (value is not HoconArray array)
        {
            Error(key, value, "a list such as [\"a\", \"b\"]");
            return [];
        }

        var items = new List<string>(array.Items.Count);
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            var itemKey = FormattableString.Invariant($"{key}[{i}]");
            if (!item.TryGetString(out var text))
            {
                Error(itemKey, item, "a string");
            }
            else if (valid is not null && !valid(text))
            {
                Error(itemKey, item, expectation ?? "a valid item");
            }
            else
            {
                items.Add(text);
            }
        }

        return items;
    }

    private Dictionary<string, string> StringMap(string key, Func<string, bool>? validKey = null, string? keyExpectation = null)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var value = Value(key);
        if (value is null)
        {
            return map;
        }

        if (value is not HoconObject obj)
        {
            Error(key, value, "a map such as { name = \"value\" }");
            return map;
        }

        foreach (var (name, entry) in obj.Fields)
        {
            var entryKey = key + "." + HoconPath.RenderKey(name, first: false);
            if (validKey is not null && !validKey(name))
            {
                _problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Error, entryKey, entry.Origin, $"{entryKey}: the name {HoconRenderer.Quote(name)} is not valid; expected {keyExpectation}"));
            }
            else if (entry is HoconScalar { Type: HoconValueType.Null })
            {
                // A null entry removes a default one.
            }
            else if (!entry.TryGetString(out var text))
            {
                Error(entryKey, entry, "a string");
            }
            else
            {
                map[name] = text;
            }
        }

        return map;
    }

    /// <summary>One of <paramref name="names"/> (the enum's values in order); case, dashes and underscores do not matter.</summary>
    private TEnum Enum<TEnum>(string key, params string[] names)
        where TEnum : struct, Enum
    {
        var value = Value(key);
        if (value is null)
        {
            return default;
        }

        if (value.TryGetString(out var text) && Parse<TEnum>(text, names) is { } parsed)
        {
            return parsed;
        }

        Error(key, value, "one of " + string.Join(", ", names));
        return default;
    }

    private static TEnum? Parse<TEnum>(string text, string[] names)
        where TEnum : struct, Enum
    {
        var normalized = Normalize(text);
        var values = System.Enum.GetValues<TEnum>();
        for (var i = 0; i < names.Length && i < values.Length; i++)
        {
            if (Normalize(names[i]) == normalized || Normalize(values[i].ToString()) == normalized)
            {
                return values[i];
            }
        }

        return null;
    }

    private static string Normalize(string text) =>
        text.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static ShipperLogLevel? ParseLevel(string text) => Normalize(text) switch
    {
        "trace" => ShipperLogLevel.Verbose,
        "info" => ShipperLogLevel.Information,
        "warn" => ShipperLogLevel.Warning,
        "critical" => ShipperLogLevel.Fatal,
        _ => Parse<ShipperLogLevel>(text, [.. System.Enum.GetNames<ShipperLogLevel>()]),
    };

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

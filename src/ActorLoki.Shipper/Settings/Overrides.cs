using System.Globalization;
using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Turns environment variables and command-line options into HOCON layers over the user's file.
/// Generic variables (<c>ACTORLOKI__LOKI__BATCH__MAX_BYTES=2MiB</c>: <c>__</c> separates keys, <c>_</c> is a dash,
/// case-insensitive) map onto the keys of reference.conf; the original aggregator's variables keep working.
/// </summary>
internal static class Overrides
{
    public const string EnvironmentPrefix = "ACTORLOKI__";

    public static readonly HoconOrigin CommandLineOrigin = new("command line");

    /// <summary>The aggregator's variables, lowest precedence of the environment.</summary>
    public static HoconObject FromLegacyEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        var layer = HoconObject.Empty(new HoconOrigin("environment"));
        foreach (var name in environment.Keys.Order(StringComparer.Ordinal))
        {
            var value = environment[name];
            if (value.Length == 0)
            {
                continue;
            }

            var origin = new HoconOrigin($"environment variable {name}");
            (string[] Path, HoconValue Value)? setting = name switch
            {
                "LOKI_URL" => (["actorloki", "loki", "url"], HoconValue.String(value.Trim(), origin)),
                "NAMESPACE" => (["actorloki", "kubernetes", "namespaces"], List(value, origin)),
                "CLUSTER_NAME" => (["actorloki", "cluster-name"], HoconValue.String(value, origin)),
                "BATCH_SIZE" => (["actorloki", "loki", "batch", "max-lines"], HoconValue.String(value.Trim(), origin)),

                // The aggregator read BATCH_TIMEOUT as seconds; a value with a unit is a duration.
                "BATCH_TIMEOUT" => (["actorloki", "loki", "batch", "max-wait"], HoconValue.String(
                    decimal.TryParse(value.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _) ? value.Trim() + "s" : value.Trim(),
                    origin)),
                _ => null,
            };
            if (setting is { } s)
            {
                layer = layer.WithValue(s.Path, s.Value);
            }
        }

        return layer;
    }

    /// <summary>
    /// <c>ACTORLOKI__...</c> variables; unknown ones are warned about, with the closest known variable.
    /// <c>ACTORLOKI__AKKA__...</c> sets a key of the <c>akka</c> section, known from Akka's reference configuration.
    /// </summary>
    public static HoconObject FromEnvironment(
        IReadOnlyDictionary<string, string> environment, ReferenceSchema schema, Func<ReferenceSchema> akka, List<ConfigurationProblem> problems)
    {
        var layer = HoconObject.Empty(new HoconOrigin("environment"));
        foreach (var name in environment.Keys.Order(StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || environment[name].Length == 0)
            {
                continue;
            }

            var origin = new HoconOrigin($"environment variable {name}");
            var segments = name[EnvironmentPrefix.Length..].Split("__");
            var path = segments.Select(static s => s.ToLowerInvariant().Replace('_', '-')).ToList();
            var keys = path[0] == AkkaReference.Root && path.Count > 1 ? akka() : schema;
            if (keys == schema)
            {
                path.Insert(0, schema.RootKey);
            }
            else
            {
                segments = segments[1..];
            }

            var found = segments.All(static s => s.Length > 0) ? keys.Find(path) : null;
            if (found is not { } setting)
            {
                var suggestion = KeySuggestions.Closest(string.Join('.', path), keys.KnownPaths);
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Warning,
                    string.Join('.', path),
                    origin,
                    $"{name} does not name a setting and is ignored" + (suggestion is null ? "" : $"; did you mean {ToVariable(suggestion)}?")));
                continue;
            }

            if (setting.Kind == SettingKind.Map && setting.KnownSegments < path.Count)
            {
                // A map entry: the rest of the name is the entry's key. Header names take dashes; label names keep underscores.
                var map = path.Take(setting.KnownSegments).ToList();
                var entry = string.Join('.', segments.Skip(setting.KnownSegments - 1).Select(static s => s.ToLowerInvariant()));
                if (map[^1] == "headers")
                {
                    entry = entry.Replace('_', '-');
                }

                layer = layer.WithValue([.. map, entry], HoconValue.String(environment[name], origin));
                continue;
            }

            HoconValue? value = setting.Kind switch
            {
                SettingKind.List => List(environment[name], origin),
                SettingKind.Scalar => HoconValue.String(environment[name], origin),
                _ => null,
            };
            if (value is null)
            {
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Error,
                    string.Join('.', path),
                    origin,
                    setting.Kind == SettingKind.Map
                        ? $"{name} names a map; set one entry with {name}__<KEY>=value"
                        : $"{name} names a section, not a setting"));
                continue;
            }

            layer = layer.WithValue(path, value);
        }

        return layer;
    }

    /// <summary>Command-line overrides, applied in order; a key without the <c>actorloki.</c> (or <c>akka.</c>) prefix gets <c>actorloki.</c>.</summary>
    public static HoconObject FromCommandLine(
        IReadOnlyList<KeyValuePair<string, string>> overrides,
        ReferenceSchema schema,
        Func<ReferenceSchema> akka,
        IReadOnlyDictionary<string, string> environment,
        List<ConfigurationProblem> problems)
    {
        var layer = HoconObject.Empty(CommandLineOrigin);
        foreach (var (key, text) in overrides)
        {
            List<string> path;
            try
            {
                path = [.. HoconPath.Parse(key)];
            }
            catch (HoconException e)
            {
                problems.Add(new ConfigurationProblem(ProblemSeverity.Error, key, CommandLineOrigin, $"'{key}' is not a valid key: {e.Reason}"));
                continue;
            }

            var keys = path[0] == AkkaReference.Root && path.Count > 1 ? akka() : schema;
            if (path[0] != keys.RootKey)
            {
                path.Insert(0, keys.RootKey);
            }

            var kind = keys.Find(path)?.Kind ?? SettingKind.Scalar;
            var trimmed = text.Trim();
            try
            {
                HoconValue value = trimmed.StartsWith('[') || trimmed.StartsWith('{')
                    ? Reorigin(ParseValue(trimmed, environment))
                    : kind == SettingKind.List ? List(text, CommandLineOrigin) : HoconValue.String(text, CommandLineOrigin);
                layer = layer.WithValue(path, value);
            }
            catch (HoconException e)
            {
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Error, string.Join('.', path), CommandLineOrigin, $"{string.Join('.', path)}: the value is not valid HOCON: {e.Reason}"));
            }
        }

        return layer;
    }

    /// <summary>
    /// The environment-variable name of a key: <c>actorloki.loki.batch.max-bytes</c> → <c>ACTORLOKI__LOKI__BATCH__MAX_BYTES</c>,
    /// <c>akka.loglevel</c> → <c>ACTORLOKI__AKKA__LOGLEVEL</c>.
    /// </summary>
    public static string ToVariable(string path) =>
        (path.StartsWith(ReferenceSchema.Root + ".", StringComparison.Ordinal) || path == ReferenceSchema.Root ? "" : EnvironmentPrefix)
        + path.ToUpperInvariant().Replace("-", "_", StringComparison.Ordinal).Replace(".", "__", StringComparison.Ordinal);

    /// <summary>A comma-separated list; blanks around items and empty items are dropped.</summary>
    private static HoconArray List(string text, HoconOrigin origin) =>
        new(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item => HoconValue.String(item, origin)), origin);

    private static HoconValue ParseValue(string text, IReadOnlyDictionary<string, string> environment) =>
        Config.ParseString("value = " + text, "command line").Resolve(environment).Root.Fields["value"];

    private static HoconValue Reorigin(HoconValue value) => value switch
    {
        HoconObject obj => new HoconObject(obj.Fields.Select(static f => new KeyValuePair<string, HoconValue>(f.Key, Reorigin(f.Value))), CommandLineOrigin),
        HoconArray array => new HoconArray(array.Items.Select(Reorigin), CommandLineOrigin),
        HoconScalar { Type: HoconValueType.String } s => HoconValue.String(s.Text, CommandLineOrigin),
        HoconScalar { Type: HoconValueType.Number } n => HoconValue.Number(n.Text, CommandLineOrigin),
        HoconScalar { Type: HoconValueType.Boolean } b => HoconValue.Boolean(b.Text == "true", CommandLineOrigin),
        _ => HoconValue.Null(CommandLineOrigin),
    };
}

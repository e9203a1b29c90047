using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Warns about keys under <c>actorloki</c> that reference.conf does not know, with the closest known key.
/// Entries of free-form maps (labels.static, loki.headers, logging.levels...) are never unknown.
/// </summary>
internal static class UnknownKeys
{
    public static void Report(HoconObject effective, ReferenceSchema schema, List<ConfigurationProblem> problems)
    {
        foreach (var (key, value) in effective.Fields)
        {
            if (key == ReferenceSchema.Root)
            {
                if (value is HoconObject actual && schema.Reference.Fields[ReferenceSchema.Root] is HoconObject reference)
                {
                    Walk(actual, reference, ReferenceSchema.Root, schema, problems);
                }
            }
            else if (KeySuggestions.Distance(key, ReferenceSchema.Root) <= 2)
            {
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Warning, key, value.Origin, $"unknown key {HoconPath.RenderKey(key)} is ignored; did you mean {ReferenceSchema.Root}?"));
            }
        }
    }

    private static void Walk(HoconObject actual, HoconObject reference, string path, ReferenceSchema schema, List<ConfigurationProblem> problems)
    {
        foreach (var (key, value) in actual.Fields)
        {
            var full = path + "." + HoconPath.RenderKey(key, first: false);
            if (!reference.TryGetField(key, out var known))
            {
                var suggestion = KeySuggestions.Closest(full, schema.KnownPaths);
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Warning,
                    full,
                    value.Origin,
                    $"unknown key {full} is ignored" + (suggestion is null ? "" : $"; did you mean {suggestion}?")));
            }
            else if (known is HoconObject { Count: > 0 } section && value is HoconObject child)
            {
                Walk(child, section, full, schema, problems);
            }
        }
    }
}

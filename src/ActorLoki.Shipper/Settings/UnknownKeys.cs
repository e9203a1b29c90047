using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Warns about keys under <c>actorloki</c> that reference.conf does not know, and about keys under <c>akka</c> that
/// Akka's reference configuration does not know, each with the closest known key. Entries of free-form maps
/// (labels.static, loki.headers, logging.levels, akka.actor.deployment...) and dispatchers or mailboxes the user
/// defines under <c>akka</c> are never unknown.
/// </summary>
internal static class UnknownKeys
{
    public static void Report(HoconObject effective, ReferenceSchema schema, Func<ReferenceSchema> akka, List<ConfigurationProblem> problems)
    {
        foreach (var (key, value) in effective.Fields)
        {
            var section = key == schema.RootKey ? schema : key == AkkaReference.Root ? akka() : null;
            if (section is not null)
            {
                if (value is HoconObject actual && section.Reference.Fields[section.RootKey] is HoconObject reference)
                {
                    Walk(actual, reference, section.RootKey, section, problems);
                }
            }
            else if (KeySuggestions.Distance(key, schema.RootKey) <= 2 || KeySuggestions.Distance(key, AkkaReference.Root) <= 1)
            {
                var meant = KeySuggestions.Distance(key, schema.RootKey) <= 2 ? schema.RootKey : AkkaReference.Root;
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Warning, key, value.Origin, $"unknown key {HoconPath.RenderKey(key)} is ignored; did you mean {meant}?"));
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
                if (schema.RootKey == AkkaReference.Root && AkkaReference.IsDefinition(value))
                {
                    continue;
                }

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

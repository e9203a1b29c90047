using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// The <c>akka</c> section of the effective configuration as text for Akka's own parser. ActorLoki's parser has
/// already read the user's files (origins, includes, substitutions, <c>+=</c>); what Akka gets is the resolved
/// tree, written so that Akka's weaker parser cannot misread it: every key and string quoted, no substitution,
/// include or concatenation left, durations and sizes in units Akka reads, lists and nested objects as such.
/// </summary>
internal static class AkkaSection
{
    /// <summary>The section as Akka reads it; empty when the configuration has no <c>akka</c> section.</summary>
    public static string Render(HoconObject effective)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (!effective.TryGetField(AkkaReference.Root, out var section) || section is not HoconObject { Count: > 0 })
        {
            return "";
        }

        var reference = AkkaReference.Default;
        return HoconRenderer.Render(new HoconObject([new(AkkaReference.Root, section)], section.Origin), new HoconRenderOptions
        {
            QuoteAll = true,
            Rewrite = (path, text) => Normalize(reference, path, text),
        });
    }

    /// <summary>
    /// Warns about strings Akka's reader takes for something else: it trims the whitespace around every string and reads
    /// the string <c>"null"</c> as null. The text is handed over exactly; only Akka's reading differs.
    /// </summary>
    public static void Report(HoconObject effective, List<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (effective.TryGetField(AkkaReference.Root, out var section))
        {
            Walk(section, AkkaReference.Root, problems);
        }
    }

    private static void Walk(HoconValue value, string path, List<ConfigurationProblem> problems)
    {
        switch (value)
        {
            case HoconObject obj:
                foreach (var (key, child) in obj.Fields)
                {
                    Walk(child, path + "." + HoconPath.RenderKey(key, first: false), problems);
                }

                break;
            case HoconArray array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Walk(array.Items[i], FormattableString.Invariant($"{path}[{i}]"), problems);
                }

                break;
            case HoconScalar { Type: HoconValueType.String } scalar when scalar.Text != scalar.Text.Trim() || scalar.Text == "null":
                string Shown(string text) => HoconRenderer.Quote(SecretKeys.Display([path[(path.LastIndexOf('.') + 1)..]], text));
                problems.Add(new ConfigurationProblem(
                    ProblemSeverity.Warning,
                    path,
                    scalar.Origin,
                    scalar.Text == "null"
                        ? $"{path} = \"null\": Akka reads this string as null"
                        : $"{path} = {Shown(scalar.Text)}: Akka trims the whitespace around a string and reads {Shown(scalar.Text.Trim())}"));
                break;
        }
    }

    /// <summary>
    /// A duration or size Akka reads at this path, written in Akka's units when ActorLoki's reading of it is one:
    /// ActorLoki accepts <c>1.5MiB</c> where Akka wants a whole number before the unit, so sizes go as bytes.
    /// </summary>
    private static string? Normalize(AkkaReference reference, IReadOnlyList<string> path, string text)
    {
        if (reference.IsDuration(path) && HoconUnits.TryParseDuration(text, out var duration) && (duration >= TimeSpan.Zero || duration == Timeout.InfiniteTimeSpan))
        {
            // Akka 1.5's reader matches "us" but has no case for it, so a fraction of a millisecond goes as nanoseconds.
            return duration == Timeout.InfiniteTimeSpan || duration.Ticks % TimeSpan.TicksPerMillisecond == 0
                ? HoconUnits.FormatDuration(duration)
                : (duration.Ticks * 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ns";
        }

        if (reference.IsSize(path) && HoconUnits.TryParseByteSize(text, out var bytes) && bytes >= 0)
        {
            return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return null;
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorLoki.Simulator.Loki;

/// <summary>
/// The part of LogQL the receiver answers: a stream selector with <c>=</c>, <c>!=</c>, <c>=~</c>,
/// <c>!~</c> matchers (regular expressions anchored at both ends, as in Prometheus), followed by any
/// number of line filters (<c>|=</c>, <c>!=</c>, <c>|~</c>, <c>!~</c>).
/// </summary>
internal sealed partial class LogQuery
{
    private readonly List<(string Name, string Op, string Value, Regex? Regex)> _matchers = [];
    private readonly List<(string Op, string Value, Regex? Regex)> _filters = [];

    private LogQuery()
    {
    }

    /// <summary>Parses a query; throws <see cref="FormatException"/> with a LogQL-like message.</summary>
    public static LogQuery Parse(string query)
    {
        var parsed = new LogQuery();
        var text = new PromText(query);
        text.Expect('{', "in label matching");
        while (!text.TryConsume('}'))
        {
            var name = text.Identifier("in label matching", "identifier or \"}\"");
            var op = text.TryConsume("=~") ? "=~" : text.TryConsume("!~") ? "!~" : text.TryConsume("!=") ? "!=" : text.TryConsume('=') ? "=" :
                throw text.Error($"unexpected {text.Describe()} in label matching", "expected label matching operator");
            var value = text.StringLiteral("in label matching");
            parsed._matchers.Add((name, op, value, op.Contains('~', StringComparison.Ordinal) ? Anchored(value) : null));
            if (!text.TryConsume(','))
            {
                text.Expect('}', "in label matching");
                break;
            }
        }

        while (!text.AtEnd)
        {
            var op = text.TryConsume("|=") ? "|=" : text.TryConsume("|~") ? "|~" : text.TryConsume("!=") ? "!=" : text.TryConsume("!~") ? "!~" :
                throw text.Error($"unexpected {text.Describe()}", "expected a line filter");
            var value = text.StringLiteral("in line filter");
            parsed._filters.Add((op, value, op.Contains('~', StringComparison.Ordinal) ? Compile(value) : null));
        }

        if (!parsed._matchers.Exists(m => !MatchesValue(m, "")))
        {
            throw new FormatException("parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will");
        }

        return parsed;
    }

    public bool Matches(KeyValuePair<string, string>[] labels)
    {
        foreach (var matcher in _matchers)
        {
            var value = "";
            foreach (var label in labels)
            {
                if (label.Key == matcher.Name)
                {
                    value = label.Value;
                    break;
                }
            }

            if (!MatchesValue(matcher, value))
            {
                return false;
            }
        }

        return true;
    }

    public bool MatchesLine(string line)
    {
        foreach (var (op, value, regex) in _filters)
        {
            var ok = op switch
            {
                "|=" => line.Contains(value, StringComparison.Ordinal),
                "!=" => !line.Contains(value, StringComparison.Ordinal),
                "|~" => regex!.IsMatch(line),
                _ => !regex!.IsMatch(line),
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Loki's timestamp parameter: RFC3339(Nano), a float of seconds (to the millisecond), or an integer — seconds when it
    /// has at most 10 digits, nanoseconds otherwise. Empty gives <paramref name="fallback"/>.
    /// </summary>
    public static long ParseTime(string? value, long fallback)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        if (value.Contains('.', StringComparison.Ordinal) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            // As Loki: whole seconds, and the fraction rounded to milliseconds (a double cannot carry nanoseconds here).
            var whole = Math.Truncate(seconds);
            return ((long)whole * 1_000_000_000) + ((long)Math.Round((seconds - whole) * 1000) * 1_000_000);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return value.TrimStart('-').Length <= 10 ? integer * 1_000_000_000 : integer;
        }

        // RFC3339Nano: the fraction may have nine digits, more than DateTimeOffset keeps.
        var match = Rfc3339().Match(value);
        return match.Success && DateTimeOffset.TryParseExact(match.Groups[1].Value + match.Groups[3].Value.Replace("Z", "+00:00", StringComparison.Ordinal), "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? GoText.ToNanos(time) + (match.Groups[2].Success ? long.Parse(match.Groups[2].Value.PadRight(9, '0'), CultureInfo.InvariantCulture) : 0)
            : throw new FormatException($"cannot parse \"{value}\" to a valid timestamp");
    }

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    /// <summary>Runs the query and writes Loki's <c>streams</c> answer.</summary>
    public static void Answer(Utf8JsonWriter json, List<(KeyValuePair<string, string>[] Labels, ReceivedEntry[] Entries)> streams, LogQuery query, int limit, bool forward)
    {
        // Loki returns the first `limit` entries in query direction over all streams, grouped by labels and structured metadata.
        var picked = streams
            .SelectMany(s => s.Entries.Where(e => query.MatchesLine(e.Line)).Select(e => (s.Labels, Entry: e)))
            .OrderBy(x => forward ? x.Entry.TimestampUnixNanos : -x.Entry.TimestampUnixNanos)
            .Take(limit)
            .GroupBy(x => GoText.Labels(x.Labels.Concat(x.Entry.StructuredMetadata).OrderBy(l => l.Key, StringComparer.Ordinal).ToList()), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);

        json.WriteStartObject();
        json.WriteString("status", "success");
        json.WriteStartObject("data");
        json.WriteString("resultType", "streams");
        json.WriteStartArray("result");
        foreach (var group in picked)
        {
            var first = group.First();
            json.WriteStartObject();
            json.WriteStartObject("stream");
            foreach (var (name, value) in first.Labels.Concat(first.Entry.StructuredMetadata).OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteStartArray("values");
            foreach (var (_, entry) in group)
            {
                json.WriteStartArray();
                json.WriteStringValue(entry.TimestampUnixNanos.ToString(CultureInfo.InvariantCulture));
                json.WriteStringValue(entry.Line);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("stats");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static bool MatchesValue((string Name, string Op, string Value, Regex? Regex) matcher, string value) => matcher.Op switch
    {
        "=" => value == matcher.Value,
        "!=" => value != matcher.Value,
        "=~" => matcher.Regex!.IsMatch(value),
        _ => !matcher.Regex!.IsMatch(value),
    };

    private static Regex Anchored(string pattern) => Compile($"^(?:{pattern})$");

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"parse error : error parsing regexp: {e.Message}", e);
        }
    }
}

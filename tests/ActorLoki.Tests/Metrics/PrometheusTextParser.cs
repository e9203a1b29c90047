using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorLoki.Tests.Metrics;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, written from the format's
/// specification for tests: it rejects anything a careful scraper would (undeclared families,
/// split families, duplicate series, bad names or escapes, inconsistent histograms).
/// </summary>
public static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record MetricFamily(string Name, string Type, string Help, IReadOnlyList<Sample> Samples);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static IReadOnlyDictionary<string, MetricFamily> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var families = new Dictionary<string, (string Type, string? Help, List<Sample> Samples)>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text.Split('\n')[..^1])
        {
            lineNumber++;
            string Where() => $"line {lineNumber}: {line}";
            if (line.Length == 0)
            {
                throw new FormatException($"empty line ({Where()})");
            }

            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || (parts[1] != "HELP" && parts[1] != "TYPE"))
                {
                    continue; // a plain comment
                }

                var name = parts[2];
                if (!MetricName().IsMatch(name))
                {
                    throw new FormatException($"bad metric name ({Where()})");
                }

                if (current != name)
                {
                    if (current is not null)
                    {
                        finished.Add(current);
                    }

                    if (finished.Contains(name))
                    {
                        throw new FormatException($"family {name} is split ({Where()})");
                    }

                    current = name;
                }

                var rest = parts.Length == 4 ? parts[3] : string.Empty;
                if (parts[1] == "TYPE")
                {
                    if (families.ContainsKey(name))
                    {
                        throw new FormatException($"second TYPE for {name} or TYPE after samples ({Where()})");
                    }

                    if (rest is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    {
                        throw new FormatException($"unknown type ({Where()})");
                    }

                    families[name] = (rest, helps.GetValueOrDefault(name), []);
                }
                else
                {
                    if (helps.ContainsKey(name))
                    {
                        throw new FormatException($"second HELP for {name} ({Where()})");
                    }

                    helps[name] = Unescape(rest, help: true, Where);
                    if (families.TryGetValue(name, out var f))
                    {
                        families[name] = f with { Help = helps[name] };
                    }
                }

                continue;
            }

            var (sampleName, labels, value) = ParseSample(line, Where);
            var family = FamilyOf(sampleName, families);
            if (family is null)
            {
                throw new FormatException($"sample of an undeclared family ({Where()})");
            }

            if (family != current)
            {
                throw new FormatException($"sample outside its family's block ({Where()})");
            }

            var key = sampleName + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seenSeries.Add(key))
            {
                throw new FormatException($"duplicate series {key} ({Where()})");
            }

            families[family].Samples.Add(new Sample(sampleName, labels, value));
        }

        var result = families.ToDictionary(
            f => f.Key,
            f => new MetricFamily(f.Key, f.Value.Type, helps.GetValueOrDefault(f.Key) ?? string.Empty, f.Value.Samples),
            StringComparer.Ordinal);
        foreach (var family in result.Values)
        {
            Check(family);
        }

        return result;
    }

    private static string? FamilyOf(string sampleName, Dictionary<string, (string Type, string? Help, List<Sample> Samples)> families)
    {
        if (families.TryGetValue(sampleName, out var f) && f.Type != "histogram")
        {
            return sampleName;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                var name = sampleName[..^suffix.Length];
                if (families.TryGetValue(name, out var h) && h.Type is "histogram" or "summary")
                {
                    return name;
                }
            }
        }

        return null;
    }

    private static void Check(MetricFamily family)
    {
        if (family.Type == "counter")
        {
            if (!family.Name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"counter {family.Name} should end in _total");
            }

            if (family.Samples.Any(s => s.Value < 0 || double.IsNaN(s.Value)))
            {
                throw new FormatException($"counter {family.Name} has a negative or NaN value");
            }
        }

        if (family.Type != "histogram")
        {
            return;
        }

        var bySeries = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
        foreach (var series in bySeries)
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket")
                .Select(s => (Le: s.Labels.TryGetValue("le", out var le) ? ParseValue(le) : throw new FormatException($"bucket without le in {family.Name}"), s.Value))
                .ToList();
            if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Le))
            {
                throw new FormatException($"histogram {family.Name} must end with an le=\"+Inf\" bucket");
            }

            for (var i = 1; i < buckets.Count; i++)
            {
                if (buckets[i].Le <= buckets[i - 1].Le || buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"histogram {family.Name} buckets are not cumulative and ordered");
                }
            }

            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"histogram {family.Name} has no _count");
            _ = series.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"histogram {family.Name} has no _sum");
            if (count.Value != buckets[^1].Value)
            {
                throw new FormatException($"histogram {family.Name}: _count differs from the +Inf bucket");
            }
        }
    }

    private static (string Name, Dictionary<string, string> Labels, double Value) ParseSample(string line, Func<string> where)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"bad metric name ({where()})");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var start = i;
                while (line[i] != '=')
                {
                    i++;
                }

                var labelName = line[start..i];
                if (!LabelName().IsMatch(labelName) || labelName.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException($"bad label name '{labelName}' ({where()})");
                }

                if (line[++i] != '"')
                {
                    throw new FormatException($"label value must be quoted ({where()})");
                }

                i++;
                var value = new System.Text.StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{line[i]} ({where()})"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                i++;
                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"duplicate label {labelName} ({where()})");
                }

                if (line[i] == ',')
                {
                    i++;
                }
                else if (line[i] != '}')
                {
                    throw new FormatException($"expected , or }} ({where()})");
                }
            }

            i++;
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException($"expected a space before the value ({where()})");
        }

        var fields = line[(i + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2)
        {
            throw new FormatException($"expected a value and an optional timestamp ({where()})");
        }

        return (name, labels, ParseValue(fields[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Unescape(string text, bool help, Func<string> where)
    {
        var result = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            i++;
            result.Append(i < text.Length ? text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when !help => '"',
                _ => throw new FormatException($"bad escape ({where()})"),
            } : throw new FormatException($"dangling backslash ({where()})"));
        }

        return result.ToString();
    }
}

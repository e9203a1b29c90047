using System.Text;
using System.Text.RegularExpressions;
using ActorLoki.Shipper.Settings;
using ActorLoki.Tests.Deploy;

namespace ActorLoki.Tests.Docs;

/// <summary>
/// The README and docs/ are the user's documentation: the README stays short and links every document, the
/// settings reference is reference.conf's, the example is valid, and every command, file and link they name exists.
/// </summary>
public sealed partial class DocsTests(ScrapedMetrics metrics) : IClassFixture<ScrapedMetrics>
{
    private const string Start = "<!-- settings reference: generated from src/ActorLoki.Shipper/reference.conf by DocsTests; do not edit by hand -->";
    private const string End = "<!-- end of settings reference -->";
    private const string ConfigurationDoc = "docs/configuration.md";
    private const string MetricsDoc = "docs/metrics-and-logs.md";

    private static string Readme => Read("README.md");

    private static string Read(string path) => Repository.Read(path).ReplaceLineEndings("\n");

    /// <summary>The README and every document under docs/, as repository-relative paths.</summary>
    private static IEnumerable<string> Documents() =>
        new[] { "README.md" }.Concat(
            Directory.EnumerateFiles(Repository.PathOf("docs"), "*.md")
                .Select(static f => "docs/" + System.IO.Path.GetFileName(f))
                .Order(StringComparer.Ordinal));

    /// <summary>
    /// The settings reference as reference.conf gives it: one table per section, each key with its default and the
    /// comment above it in reference.conf.
    /// </summary>
    internal static string SettingsReference()
    {
        var text = new StringBuilder();
        var path = new List<string>();
        var rows = new List<(string Section, string Key, string Default, string Comment)>();
        var comment = "";
        foreach (var raw in ActorLokiConfiguration.ReferenceText.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                comment = line[2..];
            }
            else if (SectionLine().Match(line) is { Success: true } section)
            {
                path.Add(section.Groups[1].Value);
                comment = "";
            }
            else if (line == "}")
            {
                path.RemoveAt(path.Count - 1);
            }
            else if (SettingLine().Match(line) is { Success: true } setting)
            {
                rows.Add((string.Join('.', path), setting.Groups[1].Value, setting.Groups[2].Value.Trim(), comment));
                comment = "";
            }
        }

        foreach (var section in rows.GroupBy(r => r.Section))
        {
            text.Append("\n### `").Append(section.Key).Append("`\n\n| Key | Default | What it does |\n|---|---|---|\n");
            foreach (var row in section)
            {
                text.Append("| `").Append(row.Key).Append("` | `").Append(Cell(row.Default)).Append("` | ").Append(Cell(row.Comment)).Append(" |\n");
            }
        }

        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    [Fact]
    public void The_settings_reference_in_the_configuration_document_is_reference_conf()
    {
        var document = Read(ConfigurationDoc);
        var from = document.IndexOf(Start, StringComparison.Ordinal);
        var to = document.IndexOf(End, StringComparison.Ordinal);
        from.Should().BeGreaterThan(0, $"{ConfigurationDoc} holds the generated settings reference");
        to.Should().BeGreaterThan(from);
        var expected = SettingsReference();

        var actual = document[(from + Start.Length)..to];

        actual.Trim().Should().Be(expected.Trim(), $"{ConfigurationDoc} lists every key of reference.conf with its default and comment; replace the block between the markers with:\n" + expected);
    }

    [Fact]
    public void Every_key_of_reference_conf_is_in_the_settings_reference_and_no_other()
    {
        var reference = SettingsReference();
        var keys = ReferenceRow().Count(reference);

        keys.Should().Be(ActorLokiConfiguration.KnownKeys.Count(k => !ActorLokiConfiguration.KnownKeys.Any(other => other.StartsWith(k + ".", StringComparison.Ordinal))));
    }

    [Fact]
    public void The_example_configuration_is_valid_and_means_what_it_says()
    {
        var example = HoconBlock().Match(Section(Readme, "Configuration"));
        example.Success.Should().BeTrue("the README's Configuration section shows an example file");
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"actorloki-readme-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, example.Groups[1].Value);
        try
        {
            var result = ActorLokiConfiguration.Load(new ConfigurationSources { ConfigFile = file });

            result.Problems.Should().BeEmpty();
            var settings = result.GetSettingsOrThrow();
            settings.Loki.Url.Should().Be(new Uri("https://loki.example.com/loki/api/v1/push"));
            settings.Kubernetes.Namespaces.Should().Equal("payments", "web");
            settings.Selection.ExcludeContainers.Should().Equal("istio-proxy");
            settings.Loki.Batch.MaxBytes.Should().Be(2 * 1024 * 1024);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Quick_start_has_exactly_the_demo_and_the_tests()
    {
        var quickStart = Section(Readme, "Quick start");
        var commands = CodeLine().Matches(quickStart).Select(m => m.Groups[1].Value.Trim()).ToList();

        commands.Should().HaveCount(2);
        commands[0].Should().StartWith("dotnet run --project src/ActorLoki -- demo");
        commands[1].Should().StartWith("dotnet test ActorLoki.sln");
    }

    [Fact]
    public void Every_repository_file_the_documents_name_exists()
    {
        foreach (var document in Documents())
        {
            foreach (Match file in RepositoryPath().Matches(Read(document)))
            {
                var path = file.Groups[1].Value.TrimEnd('/');
                Exists(path).Should().BeTrue($"{document} names {path}");
            }
        }
    }

    [Fact]
    public void Every_relative_link_of_the_documents_leads_to_a_file_and_heading_that_exist()
    {
        foreach (var document in Documents())
        {
            var folder = System.IO.Path.GetDirectoryName(document)!;
            foreach (Match link in MarkdownLink().Matches(Read(document)))
            {
                var target = link.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal))
                {
                    continue;
                }

                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var file = hash < 0 ? target : target[..hash];
                var path = file.Length == 0 ? document : NormalisePath(System.IO.Path.Combine(folder, file));
                Exists(path).Should().BeTrue($"{document} links to {target}");
                if (hash >= 0 && path.EndsWith(".md", StringComparison.Ordinal))
                {
                    Anchors(Read(path)).Should().Contain(target[(hash + 1)..], $"{document} links to {target}");
                }
            }
        }
    }

    [Fact]
    public void The_README_is_short_and_links_every_document()
    {
        var readme = Readme;

        System.Text.Encoding.UTF8.GetByteCount(readme).Should().BeLessThan(15 * 1024, "the README holds what a newcomer reads first; the rest lives in docs/");
        foreach (var document in Documents().Where(static d => d != "README.md"))
        {
            readme.Should().Contain("](" + document + ")", $"the README links {document}");
        }
    }

    [Fact]
    public void Metrics_and_logs_describes_every_metric_the_host_exports_and_no_other()
    {
        var document = Read(MetricsDoc);
        var scaleOut = document.IndexOf("\n### Scale-out\n", StringComparison.Ordinal);
        scaleOut.Should().BePositive("the metrics of a clustered replica have a section of their own");
        var described = MetricRow().Matches(document[..scaleOut]).Select(m => m.Groups[1].Value).ToList();

        described.Should().OnlyHaveUniqueItems();
        // The .NET runtime's own metrics (dotnet_*) are documented by .NET; the README points there.
        described.Should().BeEquivalentTo(metrics.Families.Keys.Where(k => !k.StartsWith("dotnet_", StringComparison.Ordinal)), "each metric on /metrics has a row saying what it means");
        metrics.Families.Keys.Should().Contain("dotnet_gc_last_collection_heap_size_bytes", "the runtime's metrics are exported too");
    }

    [Fact]
    public void Metrics_and_logs_describes_every_metric_of_a_clustered_replica_in_its_scale_out_section()
    {
        var document = Read(MetricsDoc);
        var section = document[document.IndexOf("\n### Scale-out\n", StringComparison.Ordinal)..];
        var described = MetricRow().Matches(section).Select(m => m.Groups[1].Value).ToList();

        // The instruments as the exporter names them (a counter gains _total), read from the meters themselves.
        var published = new List<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name is ActorLoki.Shipper.Cluster.ClusterMetrics.MeterName)
                {
                    published.Add(instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) ? instrument.Name + "_total" : instrument.Name);
                }
            },
        };
        listener.Start();
        using var cluster = new ActorLoki.Shipper.Cluster.ClusterMetrics();

        described.Should().BeEquivalentTo(published.Distinct(), "each metric of a clustered replica has a row in the scale-out section");
        metrics.Families.Keys.Should().NotContain(k => k.StartsWith("actorloki_cluster_", StringComparison.Ordinal), "a single replica exports no cluster metric");
    }

    private static string Section(string document, string title)
    {
        var start = document.IndexOf("\n## " + title + "\n", StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"the document has a section {title}");
        var end = document.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return document[start..(end < 0 ? document.Length : end)];
    }

    private static bool Exists(string path) => File.Exists(Repository.PathOf(path)) || Directory.Exists(Repository.PathOf(path));

    private static string NormalisePath(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part is not ("." or ""))
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as dashes.</summary>
    private static HashSet<string> Anchors(string document) =>
    [
        .. Heading().Matches(document).Select(static m =>
            AnchorDropped().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-')),
    ];

    [GeneratedRegex("```hocon\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex HoconBlock();

    [GeneratedRegex(@"^([a-z][a-z0-9-]*) \{$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^([a-z][a-z0-9-]*)\s*=\s*(.+)$")]
    private static partial Regex SettingLine();

    [GeneratedRegex(@"^\| `[a-z0-9-]+` \|", RegexOptions.Multiline)]
    private static partial Regex ReferenceRow();

    [GeneratedRegex(@"^(dotnet [^#\n]+)", RegexOptions.Multiline)]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"`((?:deploy|src|tests)/[A-Za-z0-9_./-]+)`")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"^\| `(actorloki_[a-z0-9_]+)`", RegexOptions.Multiline)]
    private static partial Regex MetricRow();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex AnchorDropped();
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorLoki.Tests.Deploy;

/// <summary>The repository the tests run from: its files, <c>kubectl kustomize</c>, and YAML read as JSON nodes.</summary>
internal static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorLoki.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ActorLoki.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => LazyRoot.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IReadOnlyList<JsonObject>>> Rendered = new(StringComparer.Ordinal);

    /// <summary>Renders a kustomization with <c>kubectl kustomize</c> (once per test run) and returns its objects; do not change them.</summary>
    public static IReadOnlyList<JsonObject> Kustomize(string relative) =>
        Rendered.GetOrAdd(relative, static r => new Lazy<IReadOnlyList<JsonObject>>(() => Render(r))).Value;

    private static IReadOnlyList<JsonObject> Render(string relative)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", PathOf(relative)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "kubectl is not on the PATH. These tests render deploy/ with `kubectl kustomize` (kubectl 1.14 or newer); install kubectl and run them again.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new TimeoutException($"kubectl kustomize {relative} did not finish within a minute.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl kustomize {relative} failed ({process.ExitCode}): {stderr.Result}");
            }

            return [.. ParseYaml(stdout.Result).OfType<JsonObject>()];
        }
    }

    /// <summary>Every document of a YAML stream as JSON (plain scalars that look like numbers or booleans become those).</summary>
    public static IReadOnlyList<JsonNode?> ParseYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode))];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => scalar.Value switch
        {
            null or "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var text when long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            var text => JsonValue.Create(text),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}

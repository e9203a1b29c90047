using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>Loads configuration from a temporary file, a dictionary environment and command-line pairs; never the real process.</summary>
internal sealed class ConfigurationFixture : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorloki-settings-" + Guid.NewGuid().ToString("N"));

    public ConfigurationFixture() => Directory.CreateDirectory(_directory);

    public string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static ConfigurationLoadResult Load(
        string? file = null,
        IReadOnlyDictionary<string, string>? environment = null,
        params (string Key, string Value)[] commandLine) =>
        ActorLokiConfiguration.Load(new ConfigurationSources
        {
            ConfigFile = file,
            Environment = environment ?? new Dictionary<string, string>(),
            CommandLine = [.. commandLine.Select(static c => new KeyValuePair<string, string>(c.Key, c.Value))],
        });

    public ConfigurationLoadResult LoadText(string text, IReadOnlyDictionary<string, string>? environment = null, params (string Key, string Value)[] commandLine) =>
        Load(Write("application.conf", text), environment, commandLine);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

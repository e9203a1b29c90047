using System.CommandLine;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Cli;

/// <summary>
/// The options of a command that loads the configuration: the file, generic <c>--set</c> overrides, and
/// named options, each of which is a shortcut for one setting (so everything the command line can say,
/// HOCON can say too, and <c>--help</c> names the key). Create one instance per command, add options with
/// <see cref="Setting"/> and <see cref="Flag"/>, then <see cref="AddTo"/>; read it with <see cref="ToSources"/>.
/// </summary>
public sealed class ConfigOptions
{
    private readonly List<(Option Option, string Key, Func<ParseResult, string?> Value)> _settings = [];

    public Option<string?> ConfigFile { get; } = new("--config", "-c")
    {
        Description = $"HOCON configuration file, merged over the defaults (default: ${ActorLokiConfiguration.ConfigFileVariable}).",
        HelpName = "FILE",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override one setting, e.g. --set loki.batch.max-bytes=2MiB (repeatable; the actorloki. prefix may be left out; akka.* keys tune Akka.NET).",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The options every shipping command has: <c>--loki-url</c>, <c>--namespace</c>, <c>--cluster-name</c>.</summary>
    public static ConfigOptions ForShipper()
    {
        var options = new ConfigOptions();
        options.Setting("--loki-url", "actorloki.loki.url", "URL", "Loki push URL, or its base URL such as http://loki:3100.");
        var namespaces = new Option<string[]>("--namespace", "-n")
        {
            Description = "Namespace to follow (repeatable, or comma-separated; actorloki.kubernetes.namespaces).",
            HelpName = "NAMESPACE",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        options._settings.Add((namespaces, "actorloki.kubernetes.namespaces", result => result.GetValue(namespaces) is { Length: > 0 } values ? string.Join(',', values) : null));
        options.Setting("--cluster-name", "actorloki.cluster-name", "NAME", "Value of the cluster label on every stream.");
        return options;
    }

    /// <summary>Adds <paramref name="name"/> VALUE as a shortcut for the setting <paramref name="key"/>.</summary>
    public Option<string?> Setting(string name, string key, string helpName, string description)
    {
        var option = new Option<string?>(name) { Description = $"{description[..^1]} ({key}).", HelpName = helpName };
        _settings.Add((option, key, result => result.GetValue(option)));
        return option;
    }

    /// <summary>Adds the flag <paramref name="name"/> as a shortcut for setting the boolean <paramref name="key"/> to true.</summary>
    public Option<bool> Flag(string name, string key, string description)
    {
        var option = new Option<bool>(name) { Description = $"{description[..^1]} ({key} = true)." };
        _settings.Add((option, key, result => result.GetValue(option) ? "true" : null));
        return option;
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Set.Validators.Add(static result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"--set expects KEY=VALUE, e.g. --set actorloki.loki.url=http://loki:3100; got '{token.Value}'.");
                }
            }
        });
        foreach (var (option, _, _) in _settings)
        {
            command.Add(option);
        }

        command.Add(ConfigFile);
        command.Add(Set);
    }

    /// <summary>The configuration sources for this invocation: named options first, then every <c>--set</c> in order, so <c>--set</c> has the last word.</summary>
    public ConfigurationSources ToSources(ParseResult parseResult, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(environment);
        var overrides = new List<KeyValuePair<string, string>>();
        foreach (var (_, key, value) in _settings)
        {
            if (value(parseResult) is { } text)
            {
                overrides.Add(new(key, text));
            }
        }

        foreach (var assignment in parseResult.GetValue(Set) ?? [])
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            overrides.Add(new(assignment[..equals].Trim(), assignment[(equals + 1)..]));
        }

        return new ConfigurationSources
        {
            ConfigFile = parseResult.GetValue(ConfigFile),
            Environment = environment,
            CommandLine = overrides,
        };
    }
}

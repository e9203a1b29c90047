using System.CommandLine;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Cli;

/// <summary>
/// The options every command that loads the configuration shares (<c>config print</c>, <c>config validate</c>,
/// and <c>run</c>/<c>demo</c> when they come): the file, generic <c>--set</c> overrides and a few named ones.
/// Create one instance per command, add it with <see cref="AddTo"/>, read it with <see cref="ToSources"/>.
/// </summary>
public sealed class ConfigOptions
{
    public Option<string?> ConfigFile { get; } = new("--config", "-c")
    {
        Description = $"HOCON configuration file, merged over the defaults (default: ${ActorLokiConfiguration.ConfigFileVariable}).",
        HelpName = "FILE",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override one setting, e.g. --set actorloki.loki.batch.max-bytes=2MiB (repeatable; the actorloki. prefix may be left out).",
        HelpName = "KEY=VALUE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> LokiUrl { get; } = new("--loki-url")
    {
        Description = "Loki push URL, or its base URL (http://loki:3100); sets actorloki.loki.url.",
        HelpName = "URL",
    };

    public Option<string[]> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "Namespace to follow (repeatable, or comma-separated); sets actorloki.kubernetes.namespaces.",
        HelpName = "NAMESPACE",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> ClusterName { get; } = new("--cluster-name")
    {
        Description = "Value of the cluster label; sets actorloki.cluster-name.",
        HelpName = "NAME",
    };

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
        command.Add(ConfigFile);
        command.Add(Set);
        command.Add(LokiUrl);
        command.Add(Namespace);
        command.Add(ClusterName);
    }

    /// <summary>The configuration sources for this invocation: named options first, then every <c>--set</c> in order, so <c>--set</c> has the last word.</summary>
    public ConfigurationSources ToSources(ParseResult parseResult, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(environment);
        var overrides = new List<KeyValuePair<string, string>>();
        if (parseResult.GetValue(LokiUrl) is { } url)
        {
            overrides.Add(new("actorloki.loki.url", url));
        }

        if (parseResult.GetValue(Namespace) is { Length: > 0 } namespaces)
        {
            overrides.Add(new("actorloki.kubernetes.namespaces", string.Join(',', namespaces)));
        }

        if (parseResult.GetValue(ClusterName) is { } clusterName)
        {
            overrides.Add(new("actorloki.cluster-name", clusterName));
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

using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Everything the configuration is built from, passed in so that the host reads the process and
/// tests pass dictionaries. Precedence, lowest first: reference.conf, <see cref="ConfigFile"/>,
/// <see cref="Environment"/> (the aggregator's variables, then <c>ACTORLOKI__...</c>), <see cref="CommandLine"/>.
/// </summary>
public sealed record ConfigurationSources
{
    /// <summary>The user's file (<c>--config</c>); when null, the <c>ACTORLOKI_CONFIG</c> variable of <see cref="Environment"/> names it.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Environment variables: overrides, and fallbacks for <c>${...}</c> substitutions.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = HoconEnvironment.Empty;

    /// <summary>Overrides from the command line, in order: key (with or without the <c>actorloki.</c> prefix) and value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> CommandLine { get; init; } = [];

    /// <summary>Sources for the running process: its environment, plus what the command line gave.</summary>
    public static ConfigurationSources FromProcess(string? configFile = null, IReadOnlyList<KeyValuePair<string, string>>? commandLine = null) =>
        new() { ConfigFile = configFile, Environment = HoconEnvironment.Process(), CommandLine = commandLine ?? [] };
}

/// <summary>The effective configuration, the settings bound from it, and every problem found on the way.</summary>
public sealed class ConfigurationLoadResult
{
    internal ConfigurationLoadResult(string? configFile, HoconObject? effective, ActorLokiSettings? settings, IReadOnlyList<ConfigurationProblem> problems)
    {
        ConfigFile = configFile;
        Effective = effective;
        Settings = settings;
        Problems = problems;
    }

    /// <summary>The user's file that was read, if any.</summary>
    public string? ConfigFile { get; }

    /// <summary>The merged, resolved tree (all layers); null when a source could not be parsed or resolved.</summary>
    public HoconObject? Effective { get; }

    /// <summary>The bound settings; null when there are errors.</summary>
    public ActorLokiSettings? Settings { get; }

    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    public IEnumerable<ConfigurationProblem> Errors => Problems.Where(static p => p.Severity == ProblemSeverity.Error);

    public IEnumerable<ConfigurationProblem> Warnings => Problems.Where(static p => p.Severity == ProblemSeverity.Warning);

    public bool IsValid => Settings is not null;

    /// <summary>The settings, or a <see cref="ConfigurationException"/> listing every error.</summary>
    public ActorLokiSettings GetSettingsOrThrow() => Settings ?? throw new ConfigurationException(Problems);
}

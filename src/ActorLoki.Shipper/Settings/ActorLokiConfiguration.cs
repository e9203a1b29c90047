using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Builds the effective configuration and the settings. Layers, lowest precedence first: the embedded
/// reference.conf; the user's file (<c>--config</c>, or <c>ACTORLOKI_CONFIG</c>); the original aggregator's
/// environment variables (LOKI_URL, NAMESPACE, CLUSTER_NAME, BATCH_SIZE, BATCH_TIMEOUT); generic
/// <c>ACTORLOKI__...</c> variables; command-line options. Substitutions are resolved once, over all layers,
/// with the environment as fallback. Nothing is thrown for a bad configuration: every problem is returned.
/// </summary>
public static class ActorLokiConfiguration
{
    /// <summary>Environment variable naming the user's file when <c>--config</c> is not given.</summary>
    public const string ConfigFileVariable = "ACTORLOKI_CONFIG";

    /// <summary>Prefix of the generic environment variables, e.g. <c>ACTORLOKI__LOKI__BATCH__MAX_BYTES=2MiB</c>.</summary>
    public const string EnvironmentPrefix = Overrides.EnvironmentPrefix;

    /// <summary>The name of reference.conf in origins (and the logical name of the embedded resource is ActorLoki.reference.conf).</summary>
    public const string ReferenceDescription = "reference.conf";

    private static readonly Lazy<string> LazyReferenceText = new(ReadReference);
    private static readonly Lazy<ReferenceSchema> LazySchema = new(static () =>
        new ReferenceSchema(HoconResolver.Resolve(HoconParser.Parse(ReferenceText, ReferenceDescription), HoconEnvironment.Empty)));

    /// <summary>The text of the embedded reference.conf: every setting, its default and a comment.</summary>
    public static string ReferenceText => LazyReferenceText.Value;

    /// <summary>Every known key (sections and settings) as a full dotted path.</summary>
    public static IReadOnlyList<string> KnownKeys => LazySchema.Value.KnownPaths;

    public static ConfigurationLoadResult Load(ConfigurationSources sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var problems = new List<ConfigurationProblem>();
        var schema = LazySchema.Value;
        // Akka's reference configuration is read only when an akka key is set somewhere (64 ms of CPU at start-up otherwise).
        static ReferenceSchema AkkaSchema() => AkkaReference.Default.Schema;
        var configFile = sources.ConfigFile
            ?? (sources.Environment.TryGetValue(ConfigFileVariable, out var fromEnvironment) && fromEnvironment.Length > 0 ? fromEnvironment : null);

        var layers = HoconParser.Parse(ReferenceText, ReferenceDescription);
        if (configFile is not null)
        {
            var user = ReadUserFile(configFile, sources.ConfigFile is null, problems);
            if (user is null)
            {
                return new ConfigurationLoadResult(configFile, null, null, problems);
            }

            layers = user.WithFallback(layers);
        }

        layers = Overrides.FromLegacyEnvironment(sources.Environment).WithFallback(layers);
        layers = Overrides.FromEnvironment(sources.Environment, schema, AkkaSchema, problems).WithFallback(layers);
        layers = Overrides.FromCommandLine(sources.CommandLine, schema, AkkaSchema, sources.Environment, problems).WithFallback(layers);

        HoconObject effective;
        try
        {
            effective = HoconResolver.Resolve(layers, sources.Environment);
        }
        catch (HoconException e)
        {
            problems.Add(new ConfigurationProblem(ProblemSeverity.Error, "", e.Origin, e.Reason));
            return new ConfigurationLoadResult(configFile, null, null, problems);
        }

        UnknownKeys.Report(effective, schema, AkkaReference.UsesClusterModules(effective) ? static () => AkkaReference.WithCluster.Schema : AkkaSchema, problems);
        AkkaSection.Report(effective, problems);

        // Bound even when an override was already wrong, so every bad value is reported at once.
        var settings = SettingsBinder.Bind(effective, problems);
        var valid = !problems.Any(static p => p.Severity == ProblemSeverity.Error);
        return new ConfigurationLoadResult(configFile, effective, valid ? settings : null, Deduplicate(problems));
    }

    /// <summary>
    /// The <c>actorloki</c> and <c>akka</c> sections of an effective configuration as HOCON that parses back (keys
    /// sorted), optionally with each value's origin as a trailing comment; secrets and URL passwords are redacted.
    /// </summary>
    public static string Render(HoconObject effective, bool origins)
    {
        ArgumentNullException.ThrowIfNull(effective);
        var section = effective.TryGetField(ReferenceSchema.Root, out var value) ? value : HoconObject.Empty(effective.Origin);
        var fields = new List<KeyValuePair<string, HoconValue>> { new(ReferenceSchema.Root, section) };
        if (effective.TryGetField(AkkaReference.Root, out var akka) && akka is HoconObject { Count: > 0 })
        {
            fields.Add(new(AkkaReference.Root, akka));
        }

        var root = new HoconObject(fields, section.Origin);
        return HoconRenderer.Render(root, new HoconRenderOptions
        {
            Origins = origins,
            Redact = static (path, text) => SecretKeys.Display(path, text) is var shown && shown != text ? shown : null,
        });
    }

    private static HoconObject? ReadUserFile(string path, bool fromEnvironment, List<ConfigurationProblem> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add(new ConfigurationProblem(
                ProblemSeverity.Error,
                "",
                new HoconOrigin(path),
                $"the configuration file does not exist (named by {(fromEnvironment ? ConfigFileVariable : "--config")})"));
            return null;
        }

        try
        {
            return HoconParser.ParseFile(path);
        }
        catch (HoconException e)
        {
            problems.Add(new ConfigurationProblem(ProblemSeverity.Error, "", e.Origin, e.Reason));
            return null;
        }
    }

    /// <summary>Each problem once, in reading order: by source, then line and column.</summary>
    private static List<ConfigurationProblem> Deduplicate(List<ConfigurationProblem> problems) =>
    [
        .. problems.Distinct()
            .OrderBy(static p => p.Origin is null ? 1 : 0)
            .ThenBy(static p => p.Origin?.Description, StringComparer.Ordinal)
            .ThenBy(static p => p.Origin?.Line)
            .ThenBy(static p => p.Origin?.Column),
    ];

    private static string ReadReference()
    {
        using var stream = typeof(ActorLokiConfiguration).Assembly.GetManifestResourceStream("ActorLoki.reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded in ActorLoki.Shipper.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

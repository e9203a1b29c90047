using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

public enum ProblemSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One thing wrong with the configuration: the key, where it was set (file:line:col, the environment
/// variable, or "command line"), and a message that shows the value (never a secret one) and what
/// was expected.
/// </summary>
/// <param name="Key">The full key, e.g. <c>actorloki.loki.batch.max-bytes</c>; empty for problems of a whole source.</param>
public sealed record ConfigurationProblem(ProblemSeverity Severity, string Key, HoconOrigin? Origin, string Message)
{
    /// <summary><c>origin: message</c>, e.g. <c>application.conf:7:19: actorloki.loki.batch.max-bytes = "1 MeB": expected a size ...</c>.</summary>
    public override string ToString() => Origin is null ? Message : $"{Origin}: {Message}";
}

/// <summary>Thrown when the configuration has errors; every error is listed, not just the first.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException()
        : this([])
    {
    }

    public ConfigurationException(string message)
        : base(message) => Problems = [];

    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Problems = [];

    public ConfigurationException(IReadOnlyList<ConfigurationProblem> problems)
        : base(Describe(problems)) => Problems = problems;

    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    private static string Describe(IReadOnlyList<ConfigurationProblem> problems)
    {
        var errors = problems.Where(static p => p.Severity == ProblemSeverity.Error).ToList();
        return errors.Count == 0
            ? "The configuration is invalid."
            : $"The configuration has {errors.Count} error(s):{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(static e => "  " + e));
    }
}

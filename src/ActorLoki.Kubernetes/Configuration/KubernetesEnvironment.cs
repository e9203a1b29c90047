namespace ActorLoki.Kubernetes.Configuration;

/// <summary>
/// Where configuration comes from: environment variables, the home directory and the service-account
/// directory. <see cref="System"/> is the real machine; tests build one with their own variables and
/// temporary directories, so nothing depends on the machine the tests run on.
/// </summary>
public sealed class KubernetesEnvironment
{
    /// <summary>Where a pod's service-account token, CA bundle and namespace are mounted.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly Func<string, string?> _variables;

    public KubernetesEnvironment(
        IReadOnlyDictionary<string, string> variables,
        string? homeDirectory = null,
        string serviceAccountDirectory = DefaultServiceAccountDirectory)
        : this(name => variables.TryGetValue(name, out var value) ? value : null, homeDirectory, serviceAccountDirectory)
    {
    }

    private KubernetesEnvironment(Func<string, string?> variables, string? homeDirectory, string serviceAccountDirectory)
    {
        _variables = variables;
        HomeDirectory = homeDirectory;
        ServiceAccountDirectory = serviceAccountDirectory;
    }

    /// <summary>The real process environment and file system.</summary>
    public static KubernetesEnvironment System { get; } = new(
        Environment.GetEnvironmentVariable,
        Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        DefaultServiceAccountDirectory);

    public string? HomeDirectory { get; }

    public string ServiceAccountDirectory { get; }

    public string? GetVariable(string name) => _variables(name) is { Length: > 0 } value ? value : null;
}

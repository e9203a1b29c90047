using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes.Configuration;

/// <summary>
/// How the client authenticates, as configured. Each client builds its own provider from it (which holds
/// the cached token), so a configuration can be shared. Tokens never appear in logs or exception messages.
/// </summary>
public abstract class KubernetesCredentials
{
    private protected KubernetesCredentials()
    {
    }

    /// <summary>No Authorization header (client certificates alone, or an unauthenticated test server).</summary>
    public static KubernetesCredentials None { get; } = new NoCredentials();

    /// <summary>A fixed bearer token.</summary>
    public static KubernetesCredentials Token(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new StaticTokenCredentials(token);
    }

    /// <summary>A bearer token read from a file, re-read at least every <paramref name="refreshInterval"/> and after a 401.</summary>
    public static KubernetesCredentials TokenFile(string path, TimeSpan refreshInterval)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refreshInterval, TimeSpan.Zero);
        return new TokenFileCredentials(path, refreshInterval);
    }

    /// <summary>A token obtained by running an exec credential plugin (<c>aws eks get-token</c>, ...).</summary>
    public static KubernetesCredentials Exec(ExecCredentialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ExecCredentials(settings);
    }

    /// <summary>A short description for logs, e.g. <c>token file /var/run/.../token</c>; never the secret.</summary>
    public abstract string Description { get; }

    internal abstract CredentialProvider CreateProvider(TimeProvider time, ILogger logger);

    private sealed class NoCredentials : KubernetesCredentials
    {
        public override string Description => "none";

        internal override CredentialProvider CreateProvider(TimeProvider time, ILogger logger) => new StaticTokenProvider(null);
    }

    private sealed class StaticTokenCredentials(string token) : KubernetesCredentials
    {
        public override string Description => "static token";

        internal override CredentialProvider CreateProvider(TimeProvider time, ILogger logger) => new StaticTokenProvider(token);
    }

    private sealed class TokenFileCredentials(string path, TimeSpan refreshInterval) : KubernetesCredentials
    {
        public override string Description => "token file " + path;

        internal override CredentialProvider CreateProvider(TimeProvider time, ILogger logger) => new TokenFileProvider(path, refreshInterval, time, logger);
    }

    private sealed class ExecCredentials(ExecCredentialSettings settings) : KubernetesCredentials
    {
        public override string Description => "exec plugin " + settings.Command;

        internal override CredentialProvider CreateProvider(TimeProvider time, ILogger logger) => new ExecCredentialProvider(settings, time, logger);
    }
}

/// <summary>The <c>exec</c> section of a kubeconfig user.</summary>
public sealed record ExecCredentialSettings
{
    /// <summary><c>client.authentication.k8s.io/v1beta1</c> or <c>client.authentication.k8s.io/v1</c>.</summary>
    public string ApiVersion { get; init; } = "client.authentication.k8s.io/v1beta1";

    /// <summary>The program; a relative path with a directory part is relative to the kubeconfig file's directory.</summary>
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Variables added to the plugin's environment.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Never, IfAvailable or Always; a shipper is never interactive, so Always cannot be satisfied.</summary>
    public string? InteractiveMode { get; init; }

    /// <summary>The longest the plugin may run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>Supplies the bearer token of each request; one per client.</summary>
internal abstract class CredentialProvider : IDisposable
{
    /// <summary>The bearer token, or null to send no Authorization header.</summary>
    public abstract ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>False when requests carry no bearer token at all (client certificates alone).</summary>
    public virtual bool HasToken => true;

    /// <summary>
    /// Called after a 401 with the token that was rejected: forget it. Returns true when a retry may succeed
    /// with a fresh token (a re-read file, a re-run plugin); false for a fixed token.
    /// </summary>
    public virtual bool Invalidate(string? rejectedToken) => false;

    public virtual void Dispose()
    {
    }
}

internal sealed class StaticTokenProvider(string? token) : CredentialProvider
{
    public override bool HasToken => token is not null;

    public override ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}

using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes.Configuration;

/// <summary>
/// A token file (a projected service-account token, a kubeconfig <c>tokenFile</c>): the kubelet rewrites it well
/// before the token expires. The file's modification time and length are looked at no more than once every
/// <see cref="ChangeCheckInterval"/>, and the file is read again when they changed, every refresh interval, and
/// after a 401 — so a rotated token is in use within seconds (the package's <c>TokenFileAuth</c> keeps a token
/// for a minute), and a request in between that meets a 401 fetches it at once.
/// </summary>
internal sealed class TokenFileProvider(string path, TimeSpan refreshInterval, TimeProvider time, ILogger logger) : CredentialProvider
{
    /// <summary>How often the file is looked at (one stat) between reads.</summary>
    public static readonly TimeSpan ChangeCheckInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private string? _token;
    private long _readAt;
    private long _checkedAt;
    private (DateTime WrittenAt, long Length) _version;
    private bool _rejected;

    public override ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_token is not null && !_rejected && time.GetElapsedTime(_readAt) < refreshInterval && !Changed())
            {
                return ValueTask.FromResult<string?>(_token);
            }

            string text;
            try
            {
                text = File.ReadAllText(path).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (_token is not null)
                {
                    // Keep the last good token: a transient read error must not fail every request.
                    KubernetesLog.TokenFileReadFailed(logger, path, e);
                    return ValueTask.FromResult<string?>(_token);
                }

                throw new KubernetesConfigurationException($"Cannot read the token file {path}: {e.Message}", e);
            }

            if (text.Length == 0)
            {
                throw new KubernetesConfigurationException($"The token file {path} is empty.");
            }

            if (_token is not null && !string.Equals(_token, text, StringComparison.Ordinal))
            {
                KubernetesLog.TokenFileChanged(logger, path);
            }

            _token = text;
            _readAt = _checkedAt = time.GetTimestamp();
            _version = Version();
            _rejected = false;
            return ValueTask.FromResult<string?>(_token);
        }
    }

    /// <summary>True when the file was rewritten since it was read; looks at most once per <see cref="ChangeCheckInterval"/>.</summary>
    private bool Changed()
    {
        if (time.GetElapsedTime(_checkedAt) < ChangeCheckInterval)
        {
            return false;
        }

        _checkedAt = time.GetTimestamp();
        return Version() != _version;
    }

    private (DateTime WrittenAt, long Length) Version()
    {
        try
        {
            // Follows the symbolic links of a projected volume (..data), so an atomic swap is seen.
            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    public override bool Invalidate(string? rejectedToken)
    {
        lock (_gate)
        {
            if (string.Equals(_token, rejectedToken, StringComparison.Ordinal))
            {
                _rejected = true;
            }

            return true;
        }
    }
}

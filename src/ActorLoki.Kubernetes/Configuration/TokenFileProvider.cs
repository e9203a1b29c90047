using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes.Configuration;

/// <summary>
/// A token file (a projected service-account token): the kubelet rewrites it well before the token
/// expires, so re-reading it every refresh interval (and after a 401) always sends a valid token.
/// </summary>
internal sealed class TokenFileProvider(string path, TimeSpan refreshInterval, TimeProvider time, ILogger logger) : CredentialProvider
{
    private readonly Lock _gate = new();
    private string? _token;
    private long _readAt;
    private bool _rejected;

    public override ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_token is not null && !_rejected && time.GetElapsedTime(_readAt) < refreshInterval)
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
            _readAt = time.GetTimestamp();
            _rejected = false;
            return ValueTask.FromResult<string?>(_token);
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

using System.Security.Cryptography;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// Bearer tokens the simulated API server accepts, each for one user. Rotation issues a new token and lets
/// the old ones expire after a grace period (zero: at once), as a projected service-account token does
/// from the API server's point of view. Thread-safe.
/// </summary>
public sealed class SimulatorTokens
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, (string User, DateTimeOffset? Expires)> _tokens = new(StringComparer.Ordinal);
    private string _current;

    internal SimulatorTokens(TimeProvider time, string user)
    {
        _time = time;
        User = user;
        _current = Issue(user);
    }

    /// <summary>The user of <see cref="Current"/>.</summary>
    public string User { get; }

    /// <summary>The newest token of <see cref="User"/>.</summary>
    public string Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Issues a token for <paramref name="user"/>, valid for <paramref name="validFor"/> (null: until revoked).</summary>
    public string Issue(string user, TimeSpan? validFor = null)
    {
        var token = "sim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        lock (_gate)
        {
            _tokens[token] = (user, validFor is { } v ? _time.GetUtcNow() + v : null);
        }

        return token;
    }

    /// <summary>Replaces <see cref="Current"/>; the tokens of <see cref="User"/> issued before stop working after <paramref name="grace"/>.</summary>
    public string Rotate(TimeSpan grace = default)
    {
        var next = Issue(User);
        lock (_gate)
        {
            var expires = _time.GetUtcNow() + grace;
            foreach (var (token, entry) in _tokens.ToList())
            {
                if (token != next && entry.User == User && (entry.Expires is null || entry.Expires > expires))
                {
                    _tokens[token] = (entry.User, expires);
                }
            }

            _current = next;
        }

        return next;
    }

    /// <summary>The user a token authenticates, or null when it is unknown or expired.</summary>
    internal string? Authenticate(string token)
    {
        lock (_gate)
        {
            return _tokens.TryGetValue(token, out var entry) && (entry.Expires is null || _time.GetUtcNow() < entry.Expires) ? entry.User : null;
        }
    }
}

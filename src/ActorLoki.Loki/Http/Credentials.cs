using System.Net.Http.Headers;
using System.Text;

namespace ActorLoki.Loki.Http;

/// <summary>
/// The Authorization header: basic auth with the password read from a file, or a bearer token read
/// from a file; both files re-read when they change. Secrets stay here: <see cref="Redact"/> removes
/// them from any text that might be logged (a proxy could echo a request back).
/// </summary>
internal sealed class Credentials
{
    private readonly string? _username;
    private readonly ReloadingFile<string>? _password;
    private readonly ReloadingFile<string>? _token;

    public Credentials(LokiClientOptions options, TimeProvider time, Action<string, Exception?> reloaded)
    {
        if (!string.IsNullOrEmpty(options.BasicAuthUsername) && !string.IsNullOrEmpty(options.BasicAuthPasswordFile))
        {
            _username = options.BasicAuthUsername;
            _password = new ReloadingFile<string>(options.BasicAuthPasswordFile, ReadSecret, time, options.SecretRefreshInterval, reloaded);
        }
        else if (!string.IsNullOrEmpty(options.BearerTokenFile))
        {
            _token = new ReloadingFile<string>(options.BearerTokenFile, ReadSecret, time, options.SecretRefreshInterval, reloaded);
        }
    }

    /// <summary>The header value to send now, or null without credentials. Throws when the file cannot be read.</summary>
    public AuthenticationHeaderValue? Current()
    {
        if (_password is not null)
        {
            var pair = Encoding.UTF8.GetBytes($"{_username}:{_password.Get()}");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }

        return _token is not null ? new AuthenticationHeaderValue("Bearer", _token.Get()) : null;
    }

    /// <summary>After a 401 or 403: read the files again before the next request.</summary>
    public void Invalidate()
    {
        _password?.Invalidate();
        _token?.Invalidate();
    }

    /// <summary><paramref name="text"/> with the current secret, if present in it, replaced by <c>***</c>.</summary>
    public string Redact(string text)
    {
        foreach (var file in new[] { _password, _token })
        {
            string? secret;
            try
            {
                secret = file?.Get();
            }
            catch (UnreadableFileException)
            {
                secret = null;
            }

            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
                if (_username is not null)
                {
                    text = text.Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_username}:{secret}")), "***", StringComparison.Ordinal);
                }
            }
        }

        return text;
    }

    private static string ReadSecret(string path)
    {
        // Files written by hand or by `echo` end with a newline that is not part of the secret.
        var secret = File.ReadAllText(path).Trim();
        return secret.Length > 0 ? secret : throw new FormatException("the file is empty");
    }
}

using System.Text.RegularExpressions;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Which values are never printed or put in a message: keys that look like credentials (passwords,
/// tokens, secrets, API keys, Authorization and Cookie headers), except keys naming a file or an
/// interval, and the password part of a URL.
/// </summary>
public static partial class SecretKeys
{
    public const string Redacted = "<redacted>";

    public static bool IsSecret(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Count == 0)
        {
            return false;
        }

        var last = path[^1].ToLowerInvariant().Replace('_', '-');
        return SecretWord().IsMatch(last) && !NotASecret().IsMatch(last);
    }

    /// <summary>The text to show for a value: the value itself, the redaction marker, or a URL without its password.</summary>
    public static string Display(IReadOnlyList<string> path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsSecret(path))
        {
            return Redacted;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal)
            ? text.Replace(uri.UserInfo, uri.UserInfo[..uri.UserInfo.IndexOf(':', StringComparison.Ordinal)] + ":" + Redacted, StringComparison.Ordinal)
            : text;
    }

    /// <summary>True when a line of text mentions a credential-like word, so it should not be echoed.</summary>
    public static bool MayHoldSecret(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return SecretMention().IsMatch(line);
    }

    [GeneratedRegex(@"password|passwd|passphrase|secret|token|authorization|api[-_]?key|credential|cookie|private[-_]?key", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretMention();

    [GeneratedRegex(@"(^|-)(password|passwd|passphrase|secret|token|authorization|api-?key|credentials?|cookie|private-?key)($|-)", RegexOptions.CultureInvariant)]
    private static partial Regex SecretWord();

    [GeneratedRegex(@"-(file|path|interval|dir)$", RegexOptions.CultureInvariant)]
    private static partial Regex NotASecret();
}

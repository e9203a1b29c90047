using System.Globalization;

namespace ActorLoki.Loki;

/// <summary>How one HTTP answer from Loki is treated.</summary>
public enum PushResponseKind
{
    /// <summary>2xx: stored.</summary>
    Success,

    /// <summary>429, 408, 5xx other than 501: try again later, honouring <c>Retry-After</c>.</summary>
    Retryable,

    /// <summary>413: the body is too large for Loki or a proxy in front of it; split the request.</summary>
    TooLarge,

    /// <summary>400: validation failed for some entries; the valid streams were stored. Never retried.</summary>
    Rejected,

    /// <summary>401, 403, 404, 501, other 4xx, 3xx: a configuration problem (credentials, tenant, URL, proxy).</summary>
    ConfigurationError,
}

/// <summary>The rules that map Loki's answers onto <see cref="PushResponseKind"/>.</summary>
public static class PushResponseClassifier
{
    public static PushResponseKind Classify(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => PushResponseKind.Success,
        400 => PushResponseKind.Rejected,
        413 => PushResponseKind.TooLarge,
        // 408 (a proxy timed out waiting for the body) and 429 (rate or stream limit) pass with time.
        408 or 429 => PushResponseKind.Retryable,
        // 501: the endpoint does not do pushes; retrying cannot help, and dropping would lose lines.
        501 => PushResponseKind.ConfigurationError,
        >= 500 and < 600 => PushResponseKind.Retryable,
        // 401/403 (credentials, tenant), 404/405 (wrong URL path), 3xx (redirects are not followed for a POST), other 4xx.
        _ => PushResponseKind.ConfigurationError,
    };

    /// <summary>
    /// Reads a <c>Retry-After</c> value in either form HTTP allows: delay-seconds (<c>120</c>) or an
    /// HTTP-date (<c>Fri, 31 Dec 1999 23:59:59 GMT</c>), measured from <paramref name="now"/>. A date in the
    /// past gives zero; anything unreadable gives null.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds - 1));
        }

        // IMF-fixdate first (the preferred form), then the obsolete RFC 850 and asctime forms.
        string[] formats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd MMM  d HH:mm:ss yyyy"];
        if (DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var date))
        {
            var delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        return null;
    }
}

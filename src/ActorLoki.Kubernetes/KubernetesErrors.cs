using System.Globalization;
using System.Net;
using System.Text.Json;
using ActorLoki.Kubernetes.Models;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Kubernetes;

/// <summary>
/// Turns a non-success answer of the API server into ActorLoki's error kind for its code. The server's
/// <c>Status</c> message is the exception's message (a 403 names user, verb, resource and namespace); without a
/// Status (a proxy's error page) the answer's first characters are. Used for the package's
/// <see cref="k8s.Autorest.HttpOperationException"/> and for ActorLoki's own log request alike.
/// </summary>
internal static class KubernetesErrors
{
    private const int MaxErrorBodyChars = 2048;

    public static KubernetesApiException FromResponse(
        ILogger logger, TimeProvider time, string method, string path, HttpStatusCode statusCode, string? reasonPhrase, string? body, string? retryAfterHeader)
    {
        var description = $"{method} {path}";
        var text = body ?? string.Empty;
        V1Status? status = null;
        if (text.StartsWith('{'))
        {
            try
            {
                status = JsonSerializer.Deserialize(text, KubernetesJsonContext.Default.V1Status);
            }
            catch (JsonException)
            {
                // Not a Status (a proxy's error page, ...): the raw text is the message.
            }
        }

        var code = (int)statusCode;
        var message = status?.Message is { Length: > 0 } m
            ? m
            : $"{description} answered {code} {reasonPhrase}{(text.Length > 0 ? ": " + Shorten(text) : string.Empty)}";
        var retryAfter = RetryAfter(retryAfterHeader, time) ?? (status?.Details?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        KubernetesLog.RequestFailed(logger, method, path, code, status?.Reason, message);
        return KubernetesApiException.Create(statusCode, message, status, description, retryAfter);
    }

    /// <summary>The error an ERROR event of a watch stands for (its Status), as if the request had failed with it.</summary>
    public static KubernetesApiException FromWatchStatus(V1Status? status, string description) =>
        KubernetesApiException.Create(
            (HttpStatusCode)(status?.Code ?? 500),
            status?.Message ?? "The watch reported an error without a message.",
            status,
            description,
            status?.Details?.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);

    /// <summary>Retry-After as delta-seconds or an HTTP date.</summary>
    private static TimeSpan? RetryAfter(string? header, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        if (int.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParseExact(header, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string Shorten(string text) => text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars] + "...";
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    /// <summary>
    /// A request through the package's client and credentials whose answer is read with ActorLoki's serializer
    /// (<see cref="Models.KubernetesJsonContext"/>). Errors are ActorLoki's kinds, as for the log request.
    /// </summary>
    private async Task<T> SendJsonAsync<T>(HttpMethod method, string pathAndQuery, JsonTypeInfo<T> answer, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, pathAndQuery, content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(body, answer, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"{method.Method} {pathAndQuery} answered null.");
        }
    }

    /// <summary>A buffered JSON body (a resend after a 401 sends it again).</summary>
    private static ByteArrayContent JsonContent<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }

    /// <summary>A path with its query; null and empty values are left out.</summary>
    private sealed class PathBuilder(string path)
    {
        private readonly StringBuilder _text = new(path);
        private char _separator = '?';

        public PathBuilder Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _text.Append(_separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                _separator = '&';
            }

            return this;
        }

        public PathBuilder Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

        public PathBuilder Add(string name, bool value) => Add(name, value ? "true" : null);

        public override string ToString() => _text.ToString();
    }
}

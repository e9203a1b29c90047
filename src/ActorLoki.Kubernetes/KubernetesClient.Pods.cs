using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes;

// Pods are read with ActorLoki's serializer into its trimmed Pod, through the package's HttpClient and credentials:
// the package's serializer covers every Kubernetes type and costs ~32 MiB resident at its first pod list.
public sealed partial class KubernetesClient
{
    /// <summary>
    /// Lists the pods of <paramref name="namespace"/> (null: every namespace), filtered by the server with
    /// <paramref name="labelSelector"/> and <paramref name="fieldSelector"/>. With <paramref name="limit"/> the list
    /// is fetched in pages (less load on the API server); the pages are joined and the result carries the first
    /// page's resourceVersion, from which a watch continues. Pods are read straight into the trimmed
    /// <see cref="Pod"/> by ActorLoki's serializer: the fields it does not keep are skipped, never materialised.
    /// </summary>
    public async Task<PodList> ListPodsAsync(
        string? @namespace,
        string? labelSelector = null,
        string? fieldSelector = null,
        int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var description = $"GET {PodsPath(@namespace)}";
        var result = new PodList { Metadata = new ListMeta(), Items = [] };
        string? continueToken = null;
        var first = true;
        do
        {
            var path = new PathBuilder(PodsPath(@namespace))
                .Add("continue", continueToken).Add("fieldSelector", fieldSelector).Add("labelSelector", labelSelector).Add("limit", limit)
                .ToString();
            var page = await RequestAsync(
                description,
                ct => SendJsonAsync(HttpMethod.Get, path, KubernetesJsonContext.Default.PodList, null, ct),
                cancellationToken).ConfigureAwait(false);
            if (first)
            {
                result.Metadata.ResourceVersion = page.Metadata?.ResourceVersion;
                first = false;
            }

            result.Items.AddRange(page.Items ?? []);
            continueToken = NullIfEmpty(page.Metadata?.Continue);
        }
        while (continueToken is not null);

        return result;
    }

    /// <summary>Gets one pod; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<Pod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = $"{PodsPath(@namespace)}/{Uri.EscapeDataString(name)}";
        return RequestAsync($"GET {path}", ct => SendJsonAsync(HttpMethod.Get, path, KubernetesJsonContext.Default.Pod, null, ct), cancellationToken);
    }

    /// <summary>
    /// Watches pods from <paramref name="resourceVersion"/>. The sequence ends when the server closes the watch (its
    /// <paramref name="timeoutSeconds"/> or its own limit), also when it closes it before any event: that is normal,
    /// watch again from the last resourceVersion seen. An ERROR event (a 410 Expired when the resourceVersion is
    /// older than the server's history) is yielded as a <see cref="WatchEventType.Error"/> event with its Status; an
    /// HTTP 410 answer throws <see cref="KubernetesGoneException"/>. Cancel <paramref name="cancellationToken"/> to
    /// give up on a silent watch.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<Pod>> WatchPodsAsync(
        string? @namespace,
        string? resourceVersion,
        bool allowWatchBookmarks = true,
        int? timeoutSeconds = null,
        string? labelSelector = null,
        string? fieldSelector = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var description = $"watch {PodsPath(@namespace)}";
        var path = new PathBuilder(PodsPath(@namespace))
            .Add("allowWatchBookmarks", allowWatchBookmarks).Add("fieldSelector", fieldSelector).Add("labelSelector", labelSelector)
            .Add("resourceVersion", resourceVersion).Add("timeoutSeconds", timeoutSeconds).Add("watch", true)
            .ToString();
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return Event(line, description);
            }
        }
    }

    /// <summary>One line of a watch: <c>{"type": ..., "object": ...}</c>, the object a Status for ERROR.</summary>
    private static WatchEvent<Pod> Event(string line, string description)
    {
        try
        {
            var e = JsonSerializer.Deserialize(line, KubernetesJsonContext.Default.WatchLine)
                ?? throw new JsonException("The event is null.");
            var type = Type(e.Type);
            return type == WatchEventType.Error
                ? new WatchEvent<Pod>(type, null, e.Object.Deserialize(KubernetesJsonContext.Default.V1Status))
                : new WatchEvent<Pod>(type, e.Object.Deserialize(KubernetesJsonContext.Default.Pod), null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{description}: an event could not be read: {e.Message}", e);
        }
    }

    private static WatchEventType Type(string? type) => type switch
    {
        "ADDED" => WatchEventType.Added,
        "MODIFIED" => WatchEventType.Modified,
        "DELETED" => WatchEventType.Deleted,
        "BOOKMARK" => WatchEventType.Bookmark,
        "ERROR" => WatchEventType.Error,
        _ => throw new InvalidDataException($"Unknown watch event type '{type}'."),
    };

    private static string PodsPath(string? @namespace) =>
        string.IsNullOrEmpty(@namespace) ? "api/v1/pods" : $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/pods";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

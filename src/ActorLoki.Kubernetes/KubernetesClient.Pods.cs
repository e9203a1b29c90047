using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Lists the pods of <paramref name="namespace"/> (null: every namespace), filtered by the server with
    /// <paramref name="labelSelector"/> and <paramref name="fieldSelector"/>. With <paramref name="limit"/> the list
    /// is fetched in pages (less load on the API server); the pages are joined and the result carries the first
    /// page's resourceVersion, from which a watch continues.
    /// </summary>
    public async Task<PodList> ListPodsAsync(
        string? @namespace,
        string? labelSelector = null,
        string? fieldSelector = null,
        int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var path = PodsPath(@namespace);
        PodList? result = null;
        string? continueToken = null;
        do
        {
            var query = new Query(path);
            query.Add("labelSelector", NullIfEmpty(labelSelector));
            query.Add("fieldSelector", NullIfEmpty(fieldSelector));
            query.Add("limit", limit);
            query.Add("continue", continueToken);
            var page = await RequestAsync(HttpMethod.Get, query.ToString(), null, KubernetesJsonContext.Default.PodList, cancellationToken);
            page.Items ??= [];
            if (result is null)
            {
                result = page;
            }
            else
            {
                result.Items!.AddRange(page.Items);
            }

            continueToken = NullIfEmpty(page.Metadata?.Continue);
        }
        while (continueToken is not null);

        result.Metadata ??= new ListMeta();
        result.Metadata.Continue = null;
        return result;
    }

    /// <summary>Gets one pod; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<Pod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return RequestAsync(HttpMethod.Get, $"{PodsPath(@namespace)}/{Escape(name)}", null, KubernetesJsonContext.Default.Pod, cancellationToken);
    }

    /// <summary>
    /// Watches pods from <paramref name="resourceVersion"/>. The sequence ends when the server closes the watch
    /// (its <paramref name="timeoutSeconds"/> or its own limit): that is normal, watch again from the last
    /// resourceVersion seen. A resourceVersion older than the server's history yields an <see cref="WatchEventType.Error"/>
    /// event with a 410 Status (or throws <see cref="KubernetesGoneException"/> when the server answers 410 directly).
    /// Cancelling <paramref name="cancellationToken"/> aborts the request.
    /// </summary>
    public IAsyncEnumerable<WatchEvent<Pod>> WatchPodsAsync(
        string? @namespace,
        string? resourceVersion,
        bool allowWatchBookmarks = true,
        int? timeoutSeconds = null,
        string? labelSelector = null,
        string? fieldSelector = null,
        CancellationToken cancellationToken = default)
    {
        var query = new Query(PodsPath(@namespace));
        query.Add("watch", true);
        query.Add("resourceVersion", NullIfEmpty(resourceVersion));
        query.Add("allowWatchBookmarks", allowWatchBookmarks);
        query.Add("timeoutSeconds", timeoutSeconds);
        query.Add("labelSelector", NullIfEmpty(labelSelector));
        query.Add("fieldSelector", NullIfEmpty(fieldSelector));
        return WatchAsync(query.ToString(), KubernetesJsonContext.Default.Pod, cancellationToken);
    }

    internal async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string pathAndQuery, JsonTypeInfo<T> typeInfo, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, pathAndQuery, null), cancellationToken);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using (body)
        {
            using var reader = new WatchStreamReader(body);
            while (await reader.ReadEventAsync(cancellationToken) is { } line)
            {
                yield return WatchStreamReader.Decode(line.Span, typeInfo);
            }
        }
    }

    private static string PodsPath(string? @namespace) =>
        string.IsNullOrEmpty(@namespace) ? "api/v1/pods" : $"api/v1/namespaces/{Escape(@namespace)}/pods";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

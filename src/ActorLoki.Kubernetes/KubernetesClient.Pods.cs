using System.Runtime.CompilerServices;
using ActorLoki.Kubernetes.Models;
using k8s;
using k8s.Models;
using WatchEventType = ActorLoki.Kubernetes.Models.WatchEventType;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Lists the pods of <paramref name="namespace"/> (null: every namespace), filtered by the server with
    /// <paramref name="labelSelector"/> and <paramref name="fieldSelector"/>. With <paramref name="limit"/> the list
    /// is fetched in pages (less load on the API server); the pages are joined and the result carries the first
    /// page's resourceVersion, from which a watch continues. Each page's <see cref="V1Pod"/>s are trimmed to
    /// <see cref="Pod"/> at once, so no full pod outlives its page.
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
            var token = continueToken;
            var page = await RequestAsync(
                description,
                ct => string.IsNullOrEmpty(@namespace)
                    ? _api.CoreV1.ListPodForAllNamespacesAsync(continueParameter: token, fieldSelector: NullIfEmpty(fieldSelector), labelSelector: NullIfEmpty(labelSelector), limit: limit, cancellationToken: ct)
                    : _api.CoreV1.ListNamespacedPodAsync(@namespace, continueParameter: token, fieldSelector: NullIfEmpty(fieldSelector), labelSelector: NullIfEmpty(labelSelector), limit: limit, cancellationToken: ct),
                cancellationToken).ConfigureAwait(false);
            if (first)
            {
                result.Metadata.ResourceVersion = page.Metadata?.ResourceVersion;
                first = false;
            }

            foreach (var pod in page.Items ?? [])
            {
                result.Items.Add(Pod.From(pod));
            }

            continueToken = NullIfEmpty(page.Metadata?.ContinueProperty);
        }
        while (continueToken is not null);

        return result;
    }

    /// <summary>Gets one pod; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public async Task<Pod> GetPodAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var pod = await RequestAsync(
            $"GET {PodsPath(@namespace)}/{Uri.EscapeDataString(name)}",
            ct => _api.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
        return Pod.From(pod);
    }

    /// <summary>
    /// Watches pods from <paramref name="resourceVersion"/> through the package's watch. The sequence ends when the
    /// server closes the watch (its <paramref name="timeoutSeconds"/> or its own limit), also when it closes it
    /// before any event: that is normal, watch again from the last resourceVersion seen. An ERROR event (a 410
    /// Expired when the resourceVersion is older than the server's history), which the package hands only to a
    /// callback, is yielded as a <see cref="WatchEventType.Error"/> event with its Status; an HTTP 410 answer throws
    /// <see cref="KubernetesGoneException"/>. Like every watch of the package, the first event is awaited before
    /// the first element: cancel <paramref name="cancellationToken"/> to give up on a silent watch.
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
        var errors = new Queue<Exception>();
        var events = string.IsNullOrEmpty(@namespace)
            ? _api.CoreV1.WatchListPodForAllNamespacesAsync(
                allowWatchBookmarks: allowWatchBookmarks, fieldSelector: NullIfEmpty(fieldSelector), labelSelector: NullIfEmpty(labelSelector),
                resourceVersion: NullIfEmpty(resourceVersion), timeoutSeconds: timeoutSeconds, onError: errors.Enqueue, cancellationToken: cancellationToken)
            : _api.CoreV1.WatchListNamespacedPodAsync(
                @namespace, allowWatchBookmarks: allowWatchBookmarks, fieldSelector: NullIfEmpty(fieldSelector), labelSelector: NullIfEmpty(labelSelector),
                resourceVersion: NullIfEmpty(resourceVersion), timeoutSeconds: timeoutSeconds, onError: errors.Enqueue, cancellationToken: cancellationToken);
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                var next = await MoveNextAsync(enumerator).ConfigureAwait(false);
                // The package reports a Status event (and an undecodable line) through onError, before the next event.
                while (errors.TryDequeue(out var error))
                {
                    yield return error is KubernetesException { Status: { } status }
                        ? new WatchEvent<Pod>(WatchEventType.Error, null, status)
                        : throw new InvalidDataException($"{description}: an event could not be read: {error.Message}", error);
                }

                if (next is not { } e)
                {
                    yield break;
                }

                yield return new WatchEvent<Pod>(Type(e.Type), Pod.From(e.Object), null);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<(k8s.WatchEventType Type, V1Pod Object)?> MoveNextAsync(IAsyncEnumerator<(k8s.WatchEventType, V1Pod)> enumerator)
    {
        try
        {
            return await enumerator.MoveNextAsync().ConfigureAwait(false) ? enumerator.Current : null;
        }
        catch (HttpRequestException e) when (e.InnerException is EndOfStreamException)
        {
            // The package reads the first line before it returns: a watch the server ended with no event lands here.
            return null;
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    private static WatchEventType Type(k8s.WatchEventType type) => type switch
    {
        k8s.WatchEventType.Added => WatchEventType.Added,
        k8s.WatchEventType.Modified => WatchEventType.Modified,
        k8s.WatchEventType.Deleted => WatchEventType.Deleted,
        k8s.WatchEventType.Bookmark => WatchEventType.Bookmark,
        k8s.WatchEventType.Error => WatchEventType.Error,
        _ => throw new InvalidDataException($"Unknown watch event type '{type}'."),
    };

    private static string PodsPath(string? @namespace) =>
        string.IsNullOrEmpty(@namespace) ? "api/v1/pods" : $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/pods";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

using System.Net.Http.Headers;
using ActorLoki.Kubernetes.Models;
using k8s.Models;

namespace ActorLoki.Kubernetes;

// ConfigMaps (the positions store) are read and written with ActorLoki's serializer, through the package's
// HttpClient and credentials: the package's serializer costs ~25 MiB resident at its first use (docs/kubernetes.md).
public sealed partial class KubernetesClient
{
    private static readonly MediaTypeHeaderValue MergePatchMediaType = new("application/merge-patch+json");

    /// <summary>Gets a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<V1ConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        var path = ConfigMapPath(@namespace, name);
        return RequestAsync($"GET {path}", ct => SendJsonAsync(HttpMethod.Get, path, KubernetesJsonContext.Default.V1ConfigMap, null, ct), cancellationToken);
    }

    /// <summary>Gets a ConfigMap, or null when it does not exist.</summary>
    public async Task<V1ConfigMap?> TryGetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetConfigMapAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates a ConfigMap; throws <see cref="KubernetesConflictException"/> (AlreadyExists) when one of that name exists.</summary>
    public Task<V1ConfigMap> CreateConfigMapAsync(string @namespace, V1ConfigMap configMap, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentNullException.ThrowIfNull(configMap);
        var path = $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/configmaps";
        return RequestAsync(
            $"POST {path}",
            ct => SendJsonAsync(HttpMethod.Post, path, KubernetesJsonContext.Default.V1ConfigMap, JsonContent(configMap, KubernetesJsonContext.Default.V1ConfigMap), ct),
            cancellationToken);
    }

    /// <summary>
    /// Replaces a ConfigMap. With <c>metadata.resourceVersion</c> set (as returned by a get), the update is
    /// optimistic: it throws <see cref="KubernetesConflictException"/> if the ConfigMap changed since.
    /// </summary>
    public Task<V1ConfigMap> UpdateConfigMapAsync(string @namespace, V1ConfigMap configMap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        var name = configMap.Metadata?.Name ?? throw new ArgumentException("The ConfigMap has no metadata.name.", nameof(configMap));
        var path = ConfigMapPath(@namespace, name);
        return RequestAsync(
            $"PUT {path}",
            ct => SendJsonAsync(HttpMethod.Put, path, KubernetesJsonContext.Default.V1ConfigMap, JsonContent(configMap, KubernetesJsonContext.Default.V1ConfigMap), ct),
            cancellationToken);
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7386). A patch that carries <c>metadata.resourceVersion</c> is
    /// optimistic like an update. See <see cref="JsonMergePatch"/> to build one.
    /// </summary>
    public Task<V1ConfigMap> PatchConfigMapAsync(string @namespace, string name, ReadOnlyMemory<byte> mergePatch, CancellationToken cancellationToken = default)
    {
        var path = ConfigMapPath(@namespace, name);
        return RequestAsync(
            $"PATCH {path}",
            ct =>
            {
                var content = new ReadOnlyMemoryContent(mergePatch);
                content.Headers.ContentType = MergePatchMediaType;
                return SendJsonAsync(HttpMethod.Patch, path, KubernetesJsonContext.Default.V1ConfigMap, content, ct);
            },
            cancellationToken);
    }

    /// <summary>Deletes a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        var path = ConfigMapPath(@namespace, name);
        return RequestAsync(
            $"DELETE {path}",
            async ct =>
            {
                // The answer (a Status, or the deleted object) is not needed.
                using var response = await SendAsync(HttpMethod.Delete, path, null, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private static string ConfigMapPath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/configmaps/{Uri.EscapeDataString(name)}";
    }
}

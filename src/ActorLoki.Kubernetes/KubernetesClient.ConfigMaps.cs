using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>Gets a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<ConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Get, ConfigMapPath(@namespace, name), null, KubernetesJsonContext.Default.ConfigMap, cancellationToken);

    /// <summary>Gets a ConfigMap, or null when it does not exist.</summary>
    public async Task<ConfigMap?> TryGetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetConfigMapAsync(@namespace, name, cancellationToken);
        }
        catch (KubernetesNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates a ConfigMap; throws <see cref="KubernetesConflictException"/> (AlreadyExists) when one of that name exists.</summary>
    public Task<ConfigMap> CreateConfigMapAsync(string @namespace, ConfigMap configMap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        return RequestAsync(
            HttpMethod.Post,
            $"api/v1/namespaces/{Escape(@namespace)}/configmaps",
            HttpContentFactory.Json(configMap, KubernetesJsonContext.Default.ConfigMap),
            KubernetesJsonContext.Default.ConfigMap,
            cancellationToken);
    }

    /// <summary>
    /// Replaces a ConfigMap. With <c>metadata.resourceVersion</c> set (as returned by a get), the update is
    /// optimistic: it throws <see cref="KubernetesConflictException"/> if the ConfigMap changed since.
    /// </summary>
    public Task<ConfigMap> UpdateConfigMapAsync(string @namespace, ConfigMap configMap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        var name = configMap.Metadata?.Name ?? throw new ArgumentException("The ConfigMap has no metadata.name.", nameof(configMap));
        return RequestAsync(
            HttpMethod.Put,
            ConfigMapPath(@namespace, name),
            HttpContentFactory.Json(configMap, KubernetesJsonContext.Default.ConfigMap),
            KubernetesJsonContext.Default.ConfigMap,
            cancellationToken);
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7386). A patch that carries <c>metadata.resourceVersion</c> is
    /// optimistic like an update. See <see cref="JsonMergePatch"/> to build one.
    /// </summary>
    public Task<ConfigMap> PatchConfigMapAsync(string @namespace, string name, ReadOnlyMemory<byte> mergePatch, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Patch, ConfigMapPath(@namespace, name), HttpContentFactory.MergePatch(mergePatch.ToArray()), KubernetesJsonContext.Default.ConfigMap, cancellationToken);

    /// <summary>Deletes a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Delete, ConfigMapPath(@namespace, name), cancellationToken);

    private static string ConfigMapPath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"api/v1/namespaces/{Escape(@namespace)}/configmaps/{Escape(name)}";
    }
}

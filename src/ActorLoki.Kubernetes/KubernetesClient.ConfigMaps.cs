using k8s;
using k8s.Models;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>Gets a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<V1ConfigMap> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync($"GET {ConfigMapPath(@namespace, name)}", ct => _api.CoreV1.ReadNamespacedConfigMapAsync(name, @namespace, cancellationToken: ct), cancellationToken);

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
        return RequestAsync(
            $"POST api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/configmaps",
            ct => _api.CoreV1.CreateNamespacedConfigMapAsync(configMap, @namespace, cancellationToken: ct),
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
        return RequestAsync(
            $"PUT {ConfigMapPath(@namespace, name)}",
            ct => _api.CoreV1.ReplaceNamespacedConfigMapAsync(configMap, name, @namespace, cancellationToken: ct),
            cancellationToken);
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7386). A patch that carries <c>metadata.resourceVersion</c> is
    /// optimistic like an update. See <see cref="JsonMergePatch"/> to build one.
    /// </summary>
    public Task<V1ConfigMap> PatchConfigMapAsync(string @namespace, string name, ReadOnlyMemory<byte> mergePatch, CancellationToken cancellationToken = default) =>
        RequestAsync(
            $"PATCH {ConfigMapPath(@namespace, name)}",
            ct => _api.CoreV1.PatchNamespacedConfigMapAsync(JsonMergePatch.ToPatch(mergePatch), name, @namespace, cancellationToken: ct),
            cancellationToken);

    /// <summary>Deletes a ConfigMap; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task DeleteConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync($"DELETE {ConfigMapPath(@namespace, name)}", ct => _api.CoreV1.DeleteNamespacedConfigMapAsync(name, @namespace, cancellationToken: ct), cancellationToken);

    private static string ConfigMapPath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/configmaps/{Uri.EscapeDataString(name)}";
    }
}

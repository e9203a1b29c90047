using k8s;
using k8s.Models;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>Gets a Lease; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<V1Lease> GetLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync($"GET {LeasePath(@namespace, name)}", ct => _api.Value.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace, cancellationToken: ct), cancellationToken);

    /// <summary>Lists the Leases of a namespace (the members of a scale-out group, selected by label).</summary>
    public Task<V1LeaseList> ListLeasesAsync(string @namespace, string? labelSelector = null, CancellationToken cancellationToken = default) =>
        RequestAsync(
            $"GET {LeasesPath(@namespace)}",
            ct => _api.Value.CoordinationV1.ListNamespacedLeaseAsync(@namespace, labelSelector: NullIfEmpty(labelSelector), cancellationToken: ct),
            cancellationToken);

    /// <summary>Creates a Lease; throws <see cref="KubernetesConflictException"/> (AlreadyExists) when one of that name exists.</summary>
    public Task<V1Lease> CreateLeaseAsync(string @namespace, V1Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return RequestAsync($"POST {LeasesPath(@namespace)}", ct => _api.Value.CoordinationV1.CreateNamespacedLeaseAsync(lease, @namespace, cancellationToken: ct), cancellationToken);
    }

    /// <summary>Replaces a Lease; optimistic on <c>metadata.resourceVersion</c> (409 as <see cref="KubernetesConflictException"/>).</summary>
    public Task<V1Lease> UpdateLeaseAsync(string @namespace, V1Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var name = lease.Metadata?.Name ?? throw new ArgumentException("The Lease has no metadata.name.", nameof(lease));
        return RequestAsync($"PUT {LeasePath(@namespace, name)}", ct => _api.Value.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, @namespace, cancellationToken: ct), cancellationToken);
    }

    /// <summary>Applies a JSON merge patch to a Lease.</summary>
    public Task<V1Lease> PatchLeaseAsync(string @namespace, string name, ReadOnlyMemory<byte> mergePatch, CancellationToken cancellationToken = default) =>
        RequestAsync(
            $"PATCH {LeasePath(@namespace, name)}",
            ct => _api.Value.CoordinationV1.PatchNamespacedLeaseAsync(JsonMergePatch.ToPatch(mergePatch), name, @namespace, cancellationToken: ct),
            cancellationToken);

    /// <summary>Deletes a Lease (a member leaving the group); throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task DeleteLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync($"DELETE {LeasePath(@namespace, name)}", ct => _api.Value.CoordinationV1.DeleteNamespacedLeaseAsync(name, @namespace, cancellationToken: ct), cancellationToken);

    private static string LeasesPath(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        return $"apis/coordination.k8s.io/v1/namespaces/{Uri.EscapeDataString(@namespace)}/leases";
    }

    private static string LeasePath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{LeasesPath(@namespace)}/{Uri.EscapeDataString(name)}";
    }
}

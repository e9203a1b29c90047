using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes;

public sealed partial class KubernetesClient
{
    /// <summary>Gets a Lease; throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task<Lease> GetLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Get, LeasePath(@namespace, name), null, KubernetesJsonContext.Default.Lease, cancellationToken);

    /// <summary>Lists the Leases of a namespace (the members of a scale-out group, selected by label).</summary>
    public Task<LeaseList> ListLeasesAsync(string @namespace, string? labelSelector = null, CancellationToken cancellationToken = default)
    {
        var query = new Query(LeasesPath(@namespace));
        query.Add("labelSelector", NullIfEmpty(labelSelector));
        return RequestAsync(HttpMethod.Get, query.ToString(), null, KubernetesJsonContext.Default.LeaseList, cancellationToken);
    }

    /// <summary>Creates a Lease; throws <see cref="KubernetesConflictException"/> (AlreadyExists) when one of that name exists.</summary>
    public Task<Lease> CreateLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return RequestAsync(
            HttpMethod.Post,
            LeasesPath(@namespace),
            HttpContentFactory.Json(lease, KubernetesJsonContext.Default.Lease),
            KubernetesJsonContext.Default.Lease,
            cancellationToken);
    }

    /// <summary>Replaces a Lease; optimistic on <c>metadata.resourceVersion</c> (409 as <see cref="KubernetesConflictException"/>).</summary>
    public Task<Lease> UpdateLeaseAsync(string @namespace, Lease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var name = lease.Metadata?.Name ?? throw new ArgumentException("The Lease has no metadata.name.", nameof(lease));
        return RequestAsync(
            HttpMethod.Put,
            LeasePath(@namespace, name),
            HttpContentFactory.Json(lease, KubernetesJsonContext.Default.Lease),
            KubernetesJsonContext.Default.Lease,
            cancellationToken);
    }

    /// <summary>Applies a JSON merge patch to a Lease.</summary>
    public Task<Lease> PatchLeaseAsync(string @namespace, string name, ReadOnlyMemory<byte> mergePatch, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Patch, LeasePath(@namespace, name), HttpContentFactory.MergePatch(mergePatch.ToArray()), KubernetesJsonContext.Default.Lease, cancellationToken);

    /// <summary>Deletes a Lease (a member leaving the group); throws <see cref="KubernetesNotFoundException"/> when it does not exist.</summary>
    public Task DeleteLeaseAsync(string @namespace, string name, CancellationToken cancellationToken = default) =>
        RequestAsync(HttpMethod.Delete, LeasePath(@namespace, name), cancellationToken);

    private static string LeasesPath(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        return $"apis/coordination.k8s.io/v1/namespaces/{Escape(@namespace)}/leases";
    }

    private static string LeasePath(string @namespace, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{LeasesPath(@namespace)}/{Escape(name)}";
    }
}

using k8s.Models;

namespace ActorLoki.Kubernetes.Models;

/// <summary>The part of <c>metadata</c> a log shipper needs (no managed fields, finalizers or generation).</summary>
public sealed class ObjectMeta
{
    internal static ObjectMeta? From(V1ObjectMeta? metadata) => metadata is null ? null : new ObjectMeta
    {
        Name = metadata.Name,
        Namespace = metadata.NamespaceProperty,
        Uid = metadata.Uid,
        ResourceVersion = metadata.ResourceVersion,
        CreationTimestamp = KubernetesTime.Utc(metadata.CreationTimestamp),
        DeletionTimestamp = KubernetesTime.Utc(metadata.DeletionTimestamp),
        Labels = Copy(metadata.Labels),
        Annotations = Copy(metadata.Annotations),
        OwnerReferences = metadata.OwnerReferences?.Select(o => new OwnerReference
        {
            ApiVersion = o.ApiVersion,
            Kind = o.Kind,
            Name = o.Name,
            Uid = o.Uid,
            Controller = o.Controller,
        }).ToList(),
    };

    // The package fills its dictionaries as Dictionary already: keep that one instead of copying it.
    private static Dictionary<string, string>? Copy(IDictionary<string, string>? values) =>
        values as Dictionary<string, string> ?? (values is null ? null : new Dictionary<string, string>(values, StringComparer.Ordinal));

    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public DateTimeOffset? CreationTimestamp { get; set; }

    public DateTimeOffset? DeletionTimestamp { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<OwnerReference>? OwnerReferences { get; set; }
}

/// <summary>An owner of an object (the ReplicaSet of a pod, the Job of a pod, ...).</summary>
public sealed class OwnerReference
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public string? Name { get; set; }

    public string? Uid { get; set; }

    public bool? Controller { get; set; }
}

/// <summary><c>metadata</c> of a list: its resourceVersion and the continue token of a paged list.</summary>
public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }
}

/// <summary>A Kubernetes object that carries <see cref="ObjectMeta"/>.</summary>
public interface IKubernetesObject
{
    ObjectMeta? Metadata { get; }
}

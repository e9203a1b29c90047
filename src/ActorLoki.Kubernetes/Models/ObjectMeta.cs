namespace ActorLoki.Kubernetes.Models;

/// <summary>The part of <c>metadata</c> a log shipper needs; unknown fields are ignored when reading.</summary>
public sealed class ObjectMeta
{
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

using k8s.Models;

namespace ActorLoki.Kubernetes.Models;

/// <summary>The type of a watch event, as the API server names it.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// <summary>
/// One event of a watch. <see cref="Object"/> is set for Added, Modified, Deleted and Bookmark (a bookmark
/// carries only <c>metadata.resourceVersion</c>); <see cref="Status"/> is set for Error (410 Expired, ...).
/// </summary>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, V1Status? Status)
    where T : class, IKubernetesObject;

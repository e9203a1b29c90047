using System.Text.Json;

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
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, Status? Status)
    where T : class, IKubernetesObject;

/// <summary>The raw wire form: the object is decoded once its type is known.</summary>
internal sealed class WatchEventEnvelope
{
    public string? Type { get; set; }

    public JsonElement Object { get; set; }
}

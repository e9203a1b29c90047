namespace ActorLoki.Shipper.Positions;

/// <summary>
/// A stream's acknowledged position as the positions store keeps it, with what a person reading the
/// store needs (namespace, pod name) and what retention needs (when the pod was seen gone).
/// </summary>
/// <param name="ContainerId">The runtime's ID of the container instance (it tells instances apart more surely than the restart count).</param>
public sealed record SavedPosition(
    StreamKey Key,
    string Namespace,
    string Pod,
    StreamPosition Position,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PodGoneAt = null,
    string? ContainerId = null);

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// A stream's acknowledged position as the positions store keeps it, with what a person reading the
/// store needs (namespace, pod name) and what retention needs (when the pod was seen gone).
/// </summary>
public sealed record SavedPosition(
    StreamKey Key,
    string Namespace,
    string Pod,
    StreamPosition Position,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PodGoneAt = null);

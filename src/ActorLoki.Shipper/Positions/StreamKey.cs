namespace ActorLoki.Shipper.Positions;

/// <summary>
/// The identity of one container instance's log: pod UID, container name and instance (the container's
/// restart count when the instance started). Nothing that changes over a pod's life (labels, readiness)
/// is part of it, so a relabelled pod keeps its position.
/// </summary>
public readonly record struct StreamKey(string PodUid, string Container, int Instance)
{
    public override string ToString() => $"{PodUid}/{Container}#{Instance}";
}

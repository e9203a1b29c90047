namespace ActorLoki.Shipper.Positions;

/// <summary>
/// The positions protocol of a scaled-out deployment, between a node's stream entities and its positions
/// keeper. A node writes the position of a container only while it owns it: from <see cref="AcquireStream"/>
/// (its entity started on this node) to <see cref="ReleaseStream"/> (its entity handed over or ended). An
/// acquire reads the container's shard from the shared store afresh, because another node may have written
/// it since this node last looked; a release writes the container's final position before the entity stops,
/// so the next owner resumes exactly where this one was acknowledged.
/// </summary>
public static class StreamOwnership
{
    /// <summary>This node now follows the container; answered with <see cref="StreamAcquired"/> once its position is loaded.</summary>
    public sealed record AcquireStream(string PodUid, string Container);

    /// <summary>The position of the container was read afresh (<paramref name="Error"/> when the store could not be read).</summary>
    public sealed record StreamAcquired(string PodUid, string Container, Exception? Error);

    /// <summary>
    /// This node stops following the container: save its acknowledged position and stop writing it.
    /// <paramref name="Forget"/> when its pod is gone and it was read to the end: its position is removed instead.
    /// Answered with <see cref="StreamReleased"/>.
    /// </summary>
    public sealed record ReleaseStream(string PodUid, string Container, bool Forget);

    /// <summary>The container's final position was written (<paramref name="Saved"/>) or could not be (<paramref name="Error"/>).</summary>
    public sealed record StreamReleased(string PodUid, string Container, bool Saved, Exception? Error);
}

using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Models;
using ActorLoki.Shipper.Discovery;
using ActorLoki.Shipper.Positions;

namespace ActorLoki.Shipper.Tailing;

/// <summary>The tail's protocol: what it is told, what it answers, and what it tells itself.</summary>
public sealed partial class ContainerTail
{
    /// <summary>The pod changed (status, labels): the tail takes the new state into account.</summary>
    public sealed record PodUpdated(Pod Pod, StreamLabels Labels);

    /// <summary>The pod was deleted: read what is still readable for <c>deleted-pod-grace</c>, then stop.</summary>
    public sealed record PodDeleted
    {
        public static readonly PodDeleted Instance = new();
    }

    /// <summary>Asks what the tail is doing; answered with <see cref="TailStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>One tail, for the <c>/debug/streams</c> endpoint.</summary>
    /// <param name="LastLineAt">When the tail last read new lines.</param>
    /// <param name="NewestLineTimestamp">The kubelet timestamp of the newest line it read.</param>
    /// <param name="LagSeconds">How far behind the container the tail reads: now less that timestamp (null before the first line).</param>
    public sealed record TailStatus(
        string Namespace, string Pod, string Container, int Instance, string State, string Mode, StreamPosition Position,
        DateTimeOffset? LastLineAt, DateTimeOffset? NewestLineTimestamp, double? LagSeconds, long Credit, int Reopens);

    private enum ReadMode
    {
        /// <summary>Following the running instance.</summary>
        Follow,

        /// <summary>Reading an instance that ended, to its end.</summary>
        Drain,
    }

    /// <summary>An instance to read: its number, its container ID, and where to start.</summary>
    private sealed record PlannedRead(int Number, string? ContainerId, StreamPosition Position);

    private sealed record Begin(object Incarnation, SavedPosition? Saved);

    private sealed record BeginFailed(object Incarnation, Exception Error);

    private sealed record Opened(int Generation, LogStreamReader Reader);

    private sealed record OpenFailed(int Generation, Exception Error);

    private sealed record ChunkRead(int Generation, LogStreamReader Reader, LogChunk? Chunk);

    private sealed record ReadFailed(int Generation, LogStreamReader Reader, Exception Error);

    private sealed record PodFetched(object Incarnation, Pod? Pod, Exception? Error);

    private sealed record Reopen(string Reason);

    private sealed record OpenTimedOut(int Generation);

    private sealed record CheckSilence
    {
        public static readonly CheckSilence Instance = new();
    }

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }

    private sealed record AskPosition
    {
        public static readonly AskPosition Instance = new();
    }
}

using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Shipper.Tailing;

/// <summary>
/// What a pod's status says about the instances of one container, and which log request reads which
/// instance. The kubelet serves at most two instances: the newest (<c>containerID</c>, running or ended)
/// and the one before it (<c>lastState.terminated</c>, read with <c>previous=true</c>). While a crashed
/// container waits in back-off, the newest instance is the dead one: <c>state</c> is waiting, and
/// <c>containerID</c>, <c>lastState</c> and <c>restartCount</c> all name that dead instance; both requests
/// then return its log. Instances are told apart by container ID; the restart count numbers them.
/// </summary>
/// <param name="NewestId">Container ID of the newest instance (null when the runtime gave none).</param>
/// <param name="NewestNumber">Its number: the restart count while it is (or was last) the newest.</param>
/// <param name="NewestRunning">It is running.</param>
/// <param name="NewestEnded">It ran and ended (terminated, or dead and waiting in back-off).</param>
/// <param name="NewestStartedAt">When it started.</param>
/// <param name="HasPrevious">An older instance than the newest is still readable (with previous=true).</param>
/// <param name="PreviousId">Its container ID (null when the runtime gave none).</param>
/// <param name="PreviousStartedAt">When it started.</param>
internal readonly record struct ContainerInstances(
    string? NewestId,
    int NewestNumber,
    bool NewestRunning,
    bool NewestEnded,
    DateTimeOffset? NewestStartedAt,
    bool HasPrevious,
    string? PreviousId,
    DateTimeOffset? PreviousStartedAt)
{
    public static ContainerInstances Of(ContainerStatus? status)
    {
        if (status is null)
        {
            return default;
        }

        var last = status.LastState?.Terminated;
        var newestId = NullIfEmpty(status.ContainerID);
        var lastId = NullIfEmpty(last?.ContainerID);
        var waitingAfterDeath = status.State?.Waiting is not null && last is not null && (lastId is null || newestId is null || lastId == newestId);
        var hasPrevious = last is not null && !waitingAfterDeath;
        return new ContainerInstances(
            newestId ?? (waitingAfterDeath ? lastId : null),
            status.RestartCount,
            status.State?.Running is not null,
            status.State?.Terminated is not null || waitingAfterDeath,
            status.State?.Running?.StartedAt ?? status.State?.Terminated?.StartedAt ?? (waitingAfterDeath ? last!.StartedAt : null),
            hasPrevious,
            hasPrevious ? lastId : null,
            hasPrevious ? last!.StartedAt : null);
    }

    /// <summary>The newest instance has run (or runs): it has a log.</summary>
    public bool NewestStarted => NewestRunning || NewestEnded;

    /// <summary>The number of the readable previous instance (the one before the newest).</summary>
    public int PreviousNumber => NewestNumber - 1;

    /// <summary>Whether this is the newest instance (by ID when both are known, else by number).</summary>
    public bool IsNewest(string? containerId, int number) =>
        NewestId is not null && containerId is not null ? NewestId == containerId : NewestNumber == number;

    /// <summary>Whether this is the readable previous instance.</summary>
    public bool IsPrevious(string? containerId, int number) =>
        HasPrevious && (PreviousId is not null && containerId is not null ? PreviousId == containerId : PreviousNumber == number);

    /// <summary>How to read the instance, or null when no request reads it any more.</summary>
    public LogRequest? Read(string? containerId, int number)
    {
        if (IsNewest(containerId, number))
        {
            return NewestStarted ? new LogRequest(Previous: false, Follow: NewestRunning) : null;
        }

        return IsPrevious(containerId, number) ? new LogRequest(Previous: true, Follow: false) : null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>A log request for one instance: <c>previous</c> or not, and whether to follow it.</summary>
internal readonly record struct LogRequest(bool Previous, bool Follow);

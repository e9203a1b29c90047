namespace ActorLoki.Actors;

/// <summary>
/// One actor in a snapshot of the tree (for a debug endpoint): its path, type, user messages waiting,
/// restarts so far, and current behaviour (the name of the method passed to Become, "Receive" initially).
/// </summary>
public sealed record ActorSnapshot(
    string Path,
    string ActorType,
    int MailboxDepth,
    int RestartCount,
    string Behavior,
    IReadOnlyList<ActorSnapshot> Children);

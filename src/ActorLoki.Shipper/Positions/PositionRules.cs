namespace ActorLoki.Shipper.Positions;

/// <summary>
/// How acknowledged positions replace one another, shared by the single-replica and the sharded keeper so both
/// resume a container the same way.
/// </summary>
internal static class PositionRules
{
    /// <summary>
    /// The saved position of the newest instance of <paramref name="key"/>'s container that is not newer than
    /// <c>key.Instance</c> (an older one means that instance was not finished), or null.
    /// </summary>
    public static SavedPosition? Newest(IReadOnlyDictionary<StreamKey, SavedPosition> positions, StreamKey key)
    {
        for (var instance = key.Instance; instance >= 0; instance--)
        {
            if (positions.TryGetValue(key with { Instance = instance }, out var position))
            {
                return position;
            }
        }

        return null;
    }

    /// <summary>
    /// Takes in an acknowledged position. A late acknowledgement does not bring a gone pod back: the gone time
    /// of the stream (or, for a new stream, <paramref name="goneAt"/> of its pod) is kept. Instances of a
    /// container are read in order, so once a newer one is acknowledged, older ones are done and removed.
    /// </summary>
    public static void Acknowledge(Dictionary<StreamKey, SavedPosition> positions, SavedPosition position, Func<string, DateTimeOffset?> goneAt)
    {
        var known = positions.TryGetValue(position.Key, out var existing);
        positions[position.Key] = position with { PodGoneAt = known ? existing!.PodGoneAt : goneAt(position.Key.PodUid) };
        if (!known && position.Key.Instance > 0)
        {
            foreach (var older in positions.Keys.Where(k => k.PodUid == position.Key.PodUid && k.Container == position.Key.Container && k.Instance < position.Key.Instance).ToList())
            {
                positions.Remove(older);
            }
        }
    }
}

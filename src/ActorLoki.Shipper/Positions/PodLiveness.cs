using System.Collections.Immutable;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// What a node has seen of pods being gone, applied to the entries of a shard it writes but does not own, so
/// that positions of pods deleted while no node followed them are still pruned after the retention. Immutable:
/// a write merges on another thread with the view it was started with.
/// </summary>
/// <remarks>
/// A listing judges only entries written before it was taken: a pod created (and written by another node)
/// after this node's last list is not declared gone by that older list.
/// </remarks>
internal sealed record PodLiveness(ImmutableDictionary<string, DateTimeOffset> Gone, ImmutableDictionary<string, PodLiveness.Listing> Listed)
{
    public static PodLiveness None { get; } = new(ImmutableDictionary<string, DateTimeOffset>.Empty.WithComparers(StringComparer.Ordinal), ImmutableDictionary<string, Listing>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>The complete list of pods of a namespace (<c>*</c>: all) at <paramref name="At"/>.</summary>
    public sealed record Listing(IReadOnlySet<string> PodUids, DateTimeOffset At);

    public PodLiveness WithGone(IEnumerable<string> podUids, DateTimeOffset at) =>
        this with { Gone = Gone.SetItems(podUids.Where(uid => !Gone.ContainsKey(uid)).Distinct(StringComparer.Ordinal).Select(uid => KeyValuePair.Create(uid, at))) };

    public PodLiveness WithListing(string @namespace, IReadOnlySet<string> podUids, DateTimeOffset at) =>
        new(Gone.RemoveRange(podUids.Where(Gone.ContainsKey)), Listed.SetItem(@namespace, new Listing(podUids, at)));

    /// <summary>
    /// Forgets pods gone longer than twice <paramref name="retention"/>: a write of their shard within the
    /// retention has stored the gone time in their entries, which are pruned from it after that.
    /// </summary>
    public PodLiveness Expire(DateTimeOffset now, TimeSpan retention) =>
        this with { Gone = Gone.RemoveRange(Gone.Where(g => g.Value + retention + retention < now).Select(g => g.Key)) };

    /// <summary>The entry with its pod's gone time as this node knows it.</summary>
    public SavedPosition Apply(SavedPosition position)
    {
        var uid = position.Key.PodUid;
        var listing = Listed.GetValueOrDefault(position.Namespace) ?? Listed.GetValueOrDefault("*");
        if (position.PodGoneAt is null)
        {
            if (Gone.TryGetValue(uid, out var goneAt))
            {
                return position with { PodGoneAt = goneAt };
            }

            return listing is not null && listing.At > position.UpdatedAt && !listing.PodUids.Contains(uid) ? position with { PodGoneAt = listing.At } : position;
        }

        return listing is not null && listing.At > position.PodGoneAt && listing.PodUids.Contains(uid) && !Gone.ContainsKey(uid) ? position with { PodGoneAt = null } : position;
    }
}

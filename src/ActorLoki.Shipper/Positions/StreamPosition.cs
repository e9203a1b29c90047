namespace ActorLoki.Shipper.Positions;

/// <summary>
/// How far one container instance's log has been handled, in the only terms the Kubernetes log API can
/// resume from: open the log with <c>sinceTime</c> = <see cref="SinceSecond"/> (the API takes whole seconds)
/// and the first <see cref="Skip"/> lines it returns were already handled. The last of those lines must
/// have <see cref="LastTimestamp"/> and <see cref="LastLineHash"/>; when it does not (the file was rotated,
/// the instance is not the one we think), the resume is not trusted and lines are re-sent instead of lost.
/// </summary>
/// <remarks>
/// The kubelet filters a <c>sinceTime</c> request line by line (a line stamped before it is skipped), in
/// file order. Timestamps are not monotonic: containerd stamps stdout and stderr separately. So
/// <see cref="SinceSecond"/> is kept a margin behind the newest timestamp seen (see <see cref="StreamCursor"/>),
/// and <see cref="Skip"/> counts the handled lines at or after that second, whatever their order.
/// </remarks>
/// <param name="SinceSecond">Unix seconds to resume from; <see cref="FromStart"/> means the start of the log.</param>
/// <param name="Skip">Lines returned for <see cref="SinceSecond"/> that were already handled.</param>
/// <param name="LastTimestamp">Kubelet timestamp (Unix nanoseconds) of the last handled line; 0 when there is nothing to check.</param>
/// <param name="LastLineHash">FNV-1a hash of the last handled line's bytes; 0 when none.</param>
public readonly record struct StreamPosition(long SinceSecond, long Skip, long LastTimestamp, ulong LastLineHash)
{
    /// <summary>The <see cref="SinceSecond"/> of a position that resumes from the start of the log.</summary>
    public const long FromStart = long.MinValue;

    /// <summary>Nothing handled yet: read the log from its start.</summary>
    public static StreamPosition Start { get; } = new(FromStart, 0, 0, 0);

    /// <summary>Nothing handled yet, and nothing before <paramref name="unixSecond"/> wanted.</summary>
    public static StreamPosition Since(long unixSecond) => new(unixSecond, 0, 0, 0);

    public bool IsFromStart => SinceSecond == FromStart;

    /// <summary>Whether <see cref="LastTimestamp"/> and <see cref="LastLineHash"/> name a line to check on resume.</summary>
    public bool HasCheck => Skip > 0 && LastTimestamp != 0;

    /// <summary>The <c>sinceTime</c> to open the log with, or null to read from the start.</summary>
    public DateTimeOffset? SinceTime => IsFromStart ? null : DateTimeOffset.FromUnixTimeSeconds(SinceSecond);
}

namespace ActorLoki.Kubernetes.Logs;

/// <summary>What is special about a <see cref="LogLine"/>.</summary>
[Flags]
public enum LogLineFlags : byte
{
    None = 0,

    /// <summary>The line was longer than the reader's limit and was cut after this piece: more pieces follow.</summary>
    Truncated = 1,

    /// <summary>This piece continues a cut line; it has no timestamp of its own and carries the line's.</summary>
    Continuation = 2,

    /// <summary>The line had no parsable kubelet timestamp; it carries the previous line's timestamp (0 if none).</summary>
    TimestampMissing = 4,

    /// <summary>The stream ended without a newline after this line (limitBytes, or a stream cut mid-line).</summary>
    Unterminated = 8,
}

/// <summary>
/// One line of a <see cref="LogChunk"/>: where its content (after the timestamp and its space, without the
/// newline or a trailing carriage return) lies in the chunk's bytes, and its kubelet timestamp.
/// </summary>
/// <param name="Offset">Start of the content in <see cref="LogChunk.Bytes"/>.</param>
/// <param name="Length">Length of the content in bytes.</param>
/// <param name="Timestamp">The kubelet's timestamp in Unix nanoseconds (0 when timestamps were not requested).</param>
/// <param name="Flags">Cut pieces, a missing timestamp, a missing final newline.</param>
public readonly record struct LogLine(int Offset, int Length, long Timestamp, LogLineFlags Flags)
{
    /// <summary>True for a whole line, or the last piece of a cut one.</summary>
    public bool EndsLine => (Flags & LogLineFlags.Truncated) == 0;
}

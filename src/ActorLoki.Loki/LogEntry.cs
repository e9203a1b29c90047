namespace ActorLoki.Loki;

/// <summary>
/// One log line of a stream. <see cref="Line"/> is a slice of a buffer the caller owns (the tail's read
/// chunk), UTF-8 bytes without the trailing newline; it must stay unchanged until the batch holding it is
/// acknowledged. <see cref="Metadata"/> is usually one instance shared by every line of a container.
/// </summary>
/// <param name="TimestampUnixNanos">The line's time in nanoseconds since the Unix epoch (the kubelet's timestamp).</param>
/// <param name="Line">The line's UTF-8 bytes. Invalid UTF-8 is replaced with U+FFFD when encoded.</param>
/// <param name="Metadata">Optional structured metadata sent with the line (not part of the stream's identity).</param>
public readonly record struct LogEntry(long TimestampUnixNanos, ReadOnlyMemory<byte> Line, StructuredMetadata? Metadata = null);

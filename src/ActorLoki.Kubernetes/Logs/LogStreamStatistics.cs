namespace ActorLoki.Kubernetes.Logs;

/// <summary>What a <see cref="LogStreamReader"/> has read so far.</summary>
/// <param name="Lines">Lines delivered (a cut line counts once).</param>
/// <param name="Bytes">Bytes read from the response body.</param>
/// <param name="CutLines">Lines longer than the limit, delivered as several pieces.</param>
/// <param name="MalformedLines">Lines without a parsable kubelet timestamp (they carry the previous line's).</param>
/// <param name="UnterminatedLines">A last line the stream ended without a newline after.</param>
public readonly record struct LogStreamStatistics(long Lines, long Bytes, long CutLines, long MalformedLines, long UnterminatedLines);

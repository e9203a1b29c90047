using System.Text.Unicode;

namespace ActorLoki.Loki.Wire;

/// <summary>
/// How one line differs from its raw bytes on the wire: repaired (invalid UTF-8 replaced), truncated
/// (a prefix and the marker) or dropped. Only lines that need it get one, so the common line costs a
/// length check and a vectorised UTF-8 validation, and nothing is allocated for it.
/// </summary>
internal readonly record struct LineFix(int Stream, int Entry, ReadOnlyMemory<byte> Head, byte[]? Marker, bool Dropped, bool Truncated, bool Repaired)
{
    public int Length => Head.Length + (Marker?.Length ?? 0);

    /// <summary>Null when the line goes as is; otherwise what to send instead.</summary>
    public static LineFix? For(int stream, int entry, ReadOnlyMemory<byte> line, LineLimits limits)
    {
        var span = line.Span;
        var valid = Utf8.IsValid(span);
        if (valid && span.Length <= limits.MaxLineBytes)
        {
            return null;
        }

        ReadOnlyMemory<byte> bytes = valid ? line : Utf8Lines.Repair(span);
        if (bytes.Length <= limits.MaxLineBytes)
        {
            return new LineFix(stream, entry, bytes, null, false, false, !valid);
        }

        if (limits.OnLongLine == LongLinePolicy.Drop)
        {
            return new LineFix(stream, entry, default, null, true, false, !valid);
        }

        // The marker for the whole length is at least as long as any shorter count's marker, so this keeps the total within the limit.
        var keep = Utf8Lines.BoundaryAtOrBefore(bytes.Span, limits.MaxLineBytes - limits.MarkerBytes(bytes.Length));
        return new LineFix(stream, entry, bytes[..keep], limits.Marker(bytes.Length - keep), false, true, !valid);
    }

    public void CopyTo(Span<byte> destination)
    {
        Head.Span.CopyTo(destination);
        Marker?.CopyTo(destination[Head.Length..]);
    }
}

/// <summary>What the encoder changed in the lines of one request, counted when Loki has answered it.</summary>
internal readonly record struct LineChanges(int Truncated, int DroppedTooLong, int Repaired)
{
    public static LineChanges Of(IReadOnlyList<LineFix>? fixes)
    {
        if (fixes is null)
        {
            return default;
        }

        int truncated = 0, dropped = 0, repaired = 0;
        foreach (var fix in fixes)
        {
            truncated += fix.Truncated ? 1 : 0;
            dropped += fix.Dropped ? 1 : 0;
            repaired += fix.Repaired ? 1 : 0;
        }

        return new LineChanges(truncated, dropped, repaired);
    }
}

using System.Globalization;
using System.Text;

namespace ActorLoki.Loki;

/// <summary>What happens to a line longer than <see cref="LineLimits.MaxLineBytes"/>.</summary>
public enum LongLinePolicy
{
    /// <summary>Keep the start of the line and end it with the truncation marker (counted as truncated).</summary>
    Truncate,

    /// <summary>Drop the line (counted as dropped, reason <c>line_too_long</c>).</summary>
    Drop,
}

/// <summary>
/// How long a line may be when it reaches Loki (Loki's <c>max_line_size</c>, 256 KiB by default; Loki
/// measures bytes) and what is done with longer ones. The marker is a composite format string whose
/// <c>{0}</c> is the number of bytes cut off; the truncated line, marker included, is at most
/// <see cref="MaxLineBytes"/> bytes and never ends inside a multi-byte character.
/// </summary>
public sealed record LineLimits(int MaxLineBytes = 256 * 1024, LongLinePolicy OnLongLine = LongLinePolicy.Truncate, string TruncationMarker = LineLimits.DefaultMarker)
{
    public const string DefaultMarker = "…[truncated {0} bytes]";

    public static LineLimits Default { get; } = new();

    /// <summary>Throws when the settings cannot work, naming the setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TruncationMarker);
        _ = CompositeFormat.Parse(TruncationMarker);
        if (MaxLineBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "actorloki.loki.max-line-bytes must be positive.");
        }

        if (OnLongLine == LongLinePolicy.Truncate && MarkerBytes(long.MaxValue) >= MaxLineBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, "actorloki.loki.max-line-bytes must leave room for the truncation marker.");
        }
    }

    /// <summary>The marker for <paramref name="bytesCut"/> bytes cut off, in UTF-8.</summary>
    internal byte[] Marker(long bytesCut) =>
        Encoding.UTF8.GetBytes(string.Format(CultureInfo.InvariantCulture, TruncationMarker, bytesCut));

    internal int MarkerBytes(long bytesCut) =>
        Encoding.UTF8.GetByteCount(string.Format(CultureInfo.InvariantCulture, TruncationMarker, bytesCut));
}

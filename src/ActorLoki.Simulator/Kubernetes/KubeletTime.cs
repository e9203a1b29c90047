using System.Globalization;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>The kubelet's timestamp format, written by the simulator (it shares no code with the client).</summary>
internal static class KubeletTime
{
    public const int Length = 30;

    /// <summary>Writes <c>2024-05-01T12:34:56.123456789Z</c> (RFC3339, nine fractional digits, UTC).</summary>
    public static void Format(long unixNanos, Span<byte> destination)
    {
        var seconds = Math.DivRem(unixNanos, 1_000_000_000, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000;
        }

        var dateTime = DateTime.UnixEpoch.AddSeconds(seconds);
        dateTime.TryFormat(destination, out _, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        destination[19] = (byte)'.';
        for (var i = 28; i >= 20; i--)
        {
            destination[i] = (byte)('0' + (nanos % 10));
            nanos /= 10;
        }

        destination[29] = (byte)'Z';
    }

    public static string Format(long unixNanos)
    {
        Span<byte> buffer = stackalloc byte[Length];
        Format(unixNanos, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    public static long ToUnixNanos(DateTimeOffset instant) => (instant.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public static DateTimeOffset FromUnixNanos(long unixNanos) => new(DateTime.UnixEpoch.Ticks + (unixNanos / 100), TimeSpan.Zero);

    /// <summary>metav1.Time: RFC3339 in whole seconds.</summary>
    public static string Rfc3339(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an RFC3339 query value (sinceTime); false when malformed.</summary>
    public static bool TryParse(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out instant);

    /// <summary>kubectl's short age: 45s, 12m, 5h, 3d.</summary>
    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "<invalid>",
        { TotalMinutes: < 2 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 2 } => $"{(int)age.TotalMinutes}m",
        { TotalDays: < 2 } => $"{(int)age.TotalHours}h",
        _ => $"{(int)age.TotalDays}d",
    };
}

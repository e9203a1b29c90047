using System.Runtime.CompilerServices;

namespace ActorLoki.Kubernetes.Logs;

/// <summary>
/// Parses and formats the kubelet's log timestamps from and to UTF-8 bytes, as Unix nanoseconds.
/// The kubelet writes RFC3339 with exactly nine fractional digits in UTC (<c>2024-05-01T12:34:56.123456789Z</c>);
/// that exact shape takes a branch-light fast path, anything else RFC3339 allows (fewer or more digits,
/// a numeric offset, lower-case t/z) the general path. Nothing here allocates.
/// </summary>
public static class KubeletTimestamp
{
    /// <summary>Length of the kubelet's fixed format, <c>2024-05-01T12:34:56.123456789Z</c>.</summary>
    public const int FixedLength = 30;

    private const long NanosPerSecond = 1_000_000_000;

    // Unix nanoseconds in a long cover 1677-09-21 to 2262-04-11; stay safely inside.
    private const int MinYear = 1678;
    private const int MaxYear = 2261;

    /// <summary>
    /// Parses a timestamp at the start of <paramref name="text"/>. On success <paramref name="length"/> is the
    /// number of bytes it took (the caller expects a space after it in a log line).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out long unixNanos, out int length)
    {
        if (text.Length >= FixedLength && text[29] == (byte)'Z' && text[19] == (byte)'.' && TryParseFixed(text, out unixNanos))
        {
            length = FixedLength;
            return true;
        }

        return TryParseGeneral(text, out unixNanos, out length);
    }

    /// <summary>Writes <paramref name="unixNanos"/> in the kubelet's fixed format (30 bytes) and returns the byte count.</summary>
    public static int Format(long unixNanos, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, FixedLength, nameof(destination));
        var seconds = Math.DivRem(unixNanos, NanosPerSecond, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }

        var days = Math.DivRem(seconds, 86_400, out var secondOfDay);
        if (secondOfDay < 0)
        {
            days--;
            secondOfDay += 86_400;
        }

        CivilFromDays(days, out var year, out var month, out var day);
        Write4(destination, 0, year);
        destination[4] = (byte)'-';
        Write2(destination, 5, month);
        destination[7] = (byte)'-';
        Write2(destination, 8, day);
        destination[10] = (byte)'T';
        Write2(destination, 11, (int)(secondOfDay / 3600));
        destination[13] = (byte)':';
        Write2(destination, 14, (int)(secondOfDay / 60 % 60));
        destination[16] = (byte)':';
        Write2(destination, 17, (int)(secondOfDay % 60));
        destination[19] = (byte)'.';
        var fraction = (int)nanos;
        for (var i = 28; i >= 20; i--)
        {
            destination[i] = (byte)('0' + (fraction % 10));
            fraction /= 10;
        }

        destination[29] = (byte)'Z';
        return FixedLength;
    }

    /// <summary>The instant as Unix nanoseconds (DateTimeOffset has 100 ns resolution).</summary>
    public static long ToUnixNanos(DateTimeOffset instant) => (instant.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>The instant of <paramref name="unixNanos"/>, truncated to DateTimeOffset's 100 ns resolution.</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixNanos) =>
        new(DateTime.UnixEpoch.Ticks + Math.DivRem(unixNanos, 100, out var rest) - (rest < 0 ? 1 : 0), TimeSpan.Zero);

    /// <summary>
    /// <c>sinceTime</c> as the API accepts it: RFC3339 with whole seconds, rounded down, so a resume never
    /// skips a line stamped within the same second.
    /// </summary>
    public static string FormatSinceTime(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc)
            .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool TryParseFixed(ReadOnlySpan<byte> s, out long unixNanos)
    {
        unixNanos = 0;
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        // A non-digit byte minus '0' wraps to a large unsigned value, so one comparison per digit checks it.
        uint y0 = (uint)(s[0] - '0'), y1 = (uint)(s[1] - '0'), y2 = (uint)(s[2] - '0'), y3 = (uint)(s[3] - '0');
        uint mo0 = (uint)(s[5] - '0'), mo1 = (uint)(s[6] - '0'), d0 = (uint)(s[8] - '0'), d1 = (uint)(s[9] - '0');
        uint h0 = (uint)(s[11] - '0'), h1 = (uint)(s[12] - '0'), mi0 = (uint)(s[14] - '0'), mi1 = (uint)(s[15] - '0');
        uint s0 = (uint)(s[17] - '0'), s1 = (uint)(s[18] - '0');
        if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || mo0 > 9 || mo1 > 9 || d0 > 9 || d1 > 9
            || h0 > 9 || h1 > 9 || mi0 > 9 || mi1 > 9 || s0 > 9 || s1 > 9)
        {
            return false;
        }

        long fraction = 0;
        for (var i = 20; i < 29; i++)
        {
            var digit = (uint)(s[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            fraction = (fraction * 10) + digit;
        }

        var year = (int)((y0 * 1000) + (y1 * 100) + (y2 * 10) + y3);
        var month = (int)((mo0 * 10) + mo1);
        var day = (int)((d0 * 10) + d1);
        var hour = (int)((h0 * 10) + h1);
        var minute = (int)((mi0 * 10) + mi1);
        var second = (int)((s0 * 10) + s1);
        return Combine(year, month, day, hour, minute, second, fraction, 0, out unixNanos);
    }

    private static bool TryParseGeneral(ReadOnlySpan<byte> s, out long unixNanos, out int length)
    {
        unixNanos = 0;
        length = 0;
        if (s.Length < 20
            || !TryDigits(s, 0, 4, out var year) || s[4] != '-'
            || !TryDigits(s, 5, 2, out var month) || s[7] != '-'
            || !TryDigits(s, 8, 2, out var day) || (s[10] | 0x20) != 't'
            || !TryDigits(s, 11, 2, out var hour) || s[13] != ':'
            || !TryDigits(s, 14, 2, out var minute) || s[16] != ':'
            || !TryDigits(s, 17, 2, out var second))
        {
            return false;
        }

        var position = 19;
        long fraction = 0;
        if (s[position] == '.')
        {
            position++;
            var digits = 0;
            while (position < s.Length && (uint)(s[position] - '0') <= 9)
            {
                // Digits beyond nanoseconds are dropped (truncation, as Go does).
                if (digits < 9)
                {
                    fraction = (fraction * 10) + (s[position] - '0');
                }

                digits++;
                position++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 9; digits++)
            {
                fraction *= 10;
            }
        }

        if (position >= s.Length)
        {
            return false;
        }

        long offsetSeconds;
        if ((s[position] | 0x20) == 'z')
        {
            offsetSeconds = 0;
            position++;
        }
        else if ((s[position] == '+' || s[position] == '-') && position + 6 <= s.Length
            && TryDigits(s, position + 1, 2, out var offsetHours) && s[position + 3] == ':' && TryDigits(s, position + 4, 2, out var offsetMinutes)
            && offsetHours < 24 && offsetMinutes < 60)
        {
            offsetSeconds = ((offsetHours * 3600) + (offsetMinutes * 60)) * (s[position] == '-' ? -1 : 1);
            position += 6;
        }
        else
        {
            return false;
        }

        if (!Combine(year, month, day, hour, minute, second, fraction, offsetSeconds, out unixNanos))
        {
            return false;
        }

        length = position;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Combine(int year, int month, int day, int hour, int minute, int second, long fraction, long offsetSeconds, out long unixNanos)
    {
        unixNanos = 0;
        if (year < MinYear || year > MaxYear || month is < 1 or > 12 || day < 1 || day > DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var seconds = (DaysFromCivil(year, month, day) * 86_400L) + (hour * 3600L) + (minute * 60L) + second - offsetSeconds;
        unixNanos = (seconds * NanosPerSecond) + fraction;
        return true;
    }

    private static int DaysInMonth(int year, int month) =>
        month == 2 ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28) : 30 + ((month + (month >> 3)) & 1);

    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static long DaysFromCivil(int year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = (year >= 0 ? year : year - 399) / 400;
        var yearOfEra = year - (era * 400);
        var dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097L) + dayOfEra - 719_468;
    }

    private static void CivilFromDays(long days, out int year, out int month, out int day)
    {
        days += 719_468;
        var era = (days >= 0 ? days : days - 146_096) / 146_097;
        var dayOfEra = days - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var mp = ((5 * dayOfYear) + 2) / 153;
        day = (int)(dayOfYear - (((153 * mp) + 2) / 5) + 1);
        month = (int)(mp < 10 ? mp + 3 : mp - 9);
        year = (int)(yearOfEra + (era * 400) + (month <= 2 ? 1 : 0));
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            var digit = (uint)(s[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }

    private static void Write2(Span<byte> destination, int at, int value)
    {
        destination[at] = (byte)('0' + (value / 10));
        destination[at + 1] = (byte)('0' + (value % 10));
    }

    private static void Write4(Span<byte> destination, int at, int value)
    {
        destination[at] = (byte)('0' + (value / 1000));
        destination[at + 1] = (byte)('0' + (value / 100 % 10));
        destination[at + 2] = (byte)('0' + (value / 10 % 10));
        destination[at + 3] = (byte)('0' + (value % 10));
    }
}

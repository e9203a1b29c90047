using System.Globalization;

namespace ActorLoki.Hocon;

/// <summary>
/// The unit formats of the specification, parsed culture-invariantly: a number, optional whitespace,
/// an optional unit. Durations default to milliseconds, sizes to bytes.
/// </summary>
public static class HoconUnits
{
    public const string DurationExpectation = "a duration such as 500ms, 10s, 5m or 1h (units ns, us, ms, s, m, h, d)";

    public const string ByteSizeExpectation = "a size such as 1MiB or 512KiB (units B, K/KiB = 1024, kB = 1000, M/MiB, MB, G/GiB, GB, T/TiB, TB)";

    private static readonly Dictionary<string, decimal> DurationTicks = BuildDurations();

    private static readonly Dictionary<string, decimal> SizeFactors = BuildSizes();

    /// <summary>A duration; <c>infinite</c> is <see cref="Timeout.InfiniteTimeSpan"/>. Units are lowercase, as the specification requires.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = TimeSpan.Zero;
        if (text.Trim() == "infinite")
        {
            value = Timeout.InfiniteTimeSpan;
            return true;
        }

        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        var factor = unit.Length == 0 ? TimeSpan.TicksPerMillisecond : DurationTicks.GetValueOrDefault(unit);
        if (factor == 0 || !TryMultiply(number, factor, out var ticks))
        {
            return false;
        }

        value = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>A size in bytes; powers of two for K, Ki, KiB (and M, G, T, P, E), powers of ten for kB, MB, GB, ...</summary>
    public static bool TryParseByteSize(string text, out long value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        var factor = unit.Length == 0 ? 1m : SizeFactors.GetValueOrDefault(unit);
        return factor != 0 && TryMultiply(number, factor, out value);
    }

    /// <summary>The shortest exact rendering (<c>1s</c>, <c>500ms</c>, <c>90s</c>), or <c>infinite</c>.</summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value == Timeout.InfiniteTimeSpan)
        {
            return "infinite";
        }

        foreach (var (unit, ticks) in new[] { ("d", TimeSpan.TicksPerDay), ("h", TimeSpan.TicksPerHour), ("m", TimeSpan.TicksPerMinute), ("s", TimeSpan.TicksPerSecond), ("ms", TimeSpan.TicksPerMillisecond), ("us", 10L) })
        {
            if (value.Ticks % ticks == 0)
            {
                return (value.Ticks / ticks).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return (value.Ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
    }

    /// <summary>The shortest exact binary rendering (<c>1MiB</c>, <c>1536B</c>... <c>1536KiB</c>).</summary>
    public static string FormatByteSize(long value)
    {
        foreach (var (unit, factor) in new[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) })
        {
            if (value != 0 && value % factor == 0)
            {
                return (value / factor).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return value.ToString(CultureInfo.InvariantCulture) + "B";
    }

    private static bool TrySplit(string text, out decimal number, out string unit)
    {
        number = 0;
        unit = "";
        var s = text.AsSpan().Trim();
        var end = 0;
        if (end < s.Length && s[end] is '+' or '-')
        {
            end++;
        }

        var digitsStart = end;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
        {
            end++;
        }

        if (end < s.Length && s[end] == '.')
        {
            end++;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }
        }

        if (end == digitsStart || (end == digitsStart + 1 && s[digitsStart] == '.'))
        {
            return false;
        }

        if (end < s.Length && s[end] is 'e' or 'E')
        {
            var exponent = end + 1;
            if (exponent < s.Length && s[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < s.Length && char.IsAsciiDigit(s[exponent]))
            {
                end = exponent;
                while (end < s.Length && char.IsAsciiDigit(s[end]))
                {
                    end++;
                }
            }
        }

        if (!decimal.TryParse(s[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        var rest = s[end..].TrimStart();
        foreach (var c in rest)
        {
            if (!char.IsLetter(c))
            {
                return false;
            }
        }

        unit = rest.ToString();
        return true;
    }

    private static bool TryMultiply(decimal number, decimal factor, out long result)
    {
        result = 0;
        try
        {
            var product = decimal.Truncate(number * factor);
            if (product is < long.MinValue or > long.MaxValue)
            {
                return false;
            }

            result = (long)product;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static Dictionary<string, decimal> BuildDurations()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal ticks, params string[] names)
        {
            foreach (var name in names)
            {
                units[name] = ticks;
            }
        }

        Add(0.01m, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(10m, "us", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }

    private static Dictionary<string, decimal> BuildSizes()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["B"] = 1,
            ["b"] = 1,
            ["byte"] = 1,
            ["bytes"] = 1,
        };
        string[] decimalNames = ["kilo", "mega", "giga", "tera", "peta", "exa"];
        string[] binaryNames = ["kibi", "mebi", "gibi", "tebi", "pebi", "exbi"];
        const string Letters = "KMGTPE";
        decimal power10 = 1, power2 = 1;
        for (var i = 0; i < Letters.Length; i++)
        {
            power10 *= 1000;
            power2 *= 1024;
            var letter = Letters[i].ToString();
            var lower = letter.ToLowerInvariant();

            // kB is the only lowercase-prefixed decimal unit the specification lists; MB, GB... are uppercase.
            units[(i == 0 ? "k" : letter) + "B"] = power10;
            units[decimalNames[i] + "byte"] = power10;
            units[decimalNames[i] + "bytes"] = power10;

            units[letter] = power2;
            units[lower] = power2;
            units[letter + "i"] = power2;
            units[letter + "iB"] = power2;
            units[binaryNames[i] + "byte"] = power2;
            units[binaryNames[i] + "bytes"] = power2;
        }

        return units;
    }
}

using System.Globalization;
using System.Text;

namespace ActorLoki.Simulator.Loki;

/// <summary>Text the way Loki (Go) prints it, so the receiver's messages read like Loki's.</summary>
internal static class GoText
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>Go's <c>time.Format(time.RFC3339)</c> in UTC: <c>2026-01-01T00:00:00Z</c> (no fraction).</summary>
    public static string Rfc3339(long unixNanos) =>
        FromNanos(unixNanos).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Go's <c>time.Time.String()</c> in UTC: <c>2026-01-01 00:00:00.5 +0000 UTC</c> (trailing zeros of the fraction dropped).</summary>
    public static string TimeString(long unixNanos)
    {
        var time = FromNanos(unixNanos);
        var nanos = (int)(((unixNanos % 1_000_000_000) + 1_000_000_000) % 1_000_000_000);
        var text = new StringBuilder(time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        if (nanos != 0)
        {
            text.Append('.').Append(nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        return text.Append(" +0000 UTC").ToString();
    }

    public static DateTimeOffset FromNanos(long unixNanos) =>
        Epoch.AddTicks(Math.DivRem(unixNanos, 100, out var rest) - (rest < 0 ? 1 : 0));

    public static long ToNanos(DateTimeOffset time) => (time - Epoch).Ticks * 100;

    /// <summary>A label set as Go's <c>labels.Labels.String()</c> prints it: <c>{a="b", c="d"}</c>, values quoted like <c>strconv.Quote</c>.</summary>
    public static string Labels(IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        var text = new StringBuilder("{");
        for (var i = 0; i < labels.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(labels[i].Key).Append('=');
            Quote(text, labels[i].Value);
        }

        return text.Append('}').ToString();
    }

    /// <summary>Go's <c>strconv.Quote</c>: printable characters as is, the rest escaped.</summary>
    public static void Quote(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append(@"\\"); break;
                case '\a': text.Append(@"\a"); break;
                case '\b': text.Append(@"\b"); break;
                case '\f': text.Append(@"\f"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case '\v': text.Append(@"\v"); break;
                case < 0x20 or 0x7F:
                    text.Append(@"\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (IsPrintable(rune))
                    {
                        text.Append(rune.ToString());
                    }
                    else if (rune.Value < 0x10000)
                    {
                        text.Append(@"\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(@"\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        text.Append('"');
    }

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        UnicodeCategory.SpaceSeparator => rune.Value == ' ',
        _ => true,
    };
}

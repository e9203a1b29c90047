using System.Buffers;
using System.Text;

namespace ActorLoki.Loki.Wire;

/// <summary>UTF-8 helpers for lines and label values: boundaries and repair of invalid sequences.</summary>
internal static class Utf8Lines
{
    private static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    /// <summary>
    /// The largest length not above <paramref name="max"/> that does not cut a multi-byte character of
    /// <paramref name="utf8"/> (a continuation byte never starts the cut-off part).
    /// </summary>
    public static int BoundaryAtOrBefore(ReadOnlySpan<byte> utf8, int max)
    {
        if (max >= utf8.Length)
        {
            return utf8.Length;
        }

        if (max <= 0)
        {
            return 0;
        }

        var cut = max;
        // At most three continuation bytes follow a lead byte; an invalid run longer than that is cut as is.
        for (var back = 0; back < 3 && cut > 0 && (utf8[cut] & 0xC0) == 0x80; back++)
        {
            cut--;
        }

        return (utf8[cut] & 0xC0) == 0x80 ? max : cut;
    }

    /// <summary>
    /// A copy of <paramref name="utf8"/> with every invalid sequence replaced by U+FFFD (as Go's
    /// <c>strings.ToValidUTF8</c> would, one replacement per maximal invalid subsequence as the
    /// Unicode standard recommends), so the protobuf <c>string</c> field is valid.
    /// </summary>
    public static byte[] Repair(ReadOnlySpan<byte> utf8)
    {
        var output = new ArrayBufferWriter<byte>(utf8.Length + 8);
        while (!utf8.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(utf8, out _, out var consumed);
            if (status == OperationStatus.Done)
            {
                output.Write(utf8[..consumed]);
            }
            else
            {
                output.Write(ReplacementCharacter);
            }

            utf8 = utf8[consumed..];
        }

        return output.WrittenSpan.ToArray();
    }
}

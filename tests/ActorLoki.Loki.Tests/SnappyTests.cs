using System.Text;
using ActorLoki.Loki.Protos;
using ActorLoki.Loki.Wire;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

/// <summary>
/// The snappy body of a protobuf push (compressed by Snappier), read back by IronSnappy, an independent decoder,
/// and then by the generated protobuf parser: the request Loki receives is the request that was encoded.
/// </summary>
public sealed class SnappyTests
{
    public static TheoryData<string, string[]> Lines()
    {
        var random = new Random(7);
        string RandomText(int n)
        {
            var chars = new char[n];
            for (var i = 0; i < n; i++)
            {
                chars[i] = (char)random.Next(0x21, 0x7F);
            }

            return new string(chars);
        }

        var log = Enumerable.Range(0, 3000)
            .Select(_ => $"ts=2026-01-01T00:00:00Z level=info msg=\"request completed\" path=/api/v1/orders status=200 duration_ms={random.Next(1000)}")
            .ToArray();
        return new TheoryData<string, string[]>
        {
            { "one short line", ["hi"] },
            { "incompressible 1 MiB in 16 lines", [.. Enumerable.Range(0, 16).Select(_ => RandomText(64 * 1024))] },
            { "one 200 KiB line of zeros (long copies)", [new string('0', 200 * 1024)] },
            { "log text over several 64 KiB blocks", log },
            { "text with a 70-byte period", [string.Concat(Enumerable.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-+=!?()", 2000))] },
        };
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void The_body_decodes_with_an_independent_snappy_decoder_to_the_pushed_lines(string name, string[] lines)
    {
        var batch = Batch(Stream(Labels(("app", "a")), [.. lines.Select((line, i) => (1_000_000_000L + i, line))]));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);

        var raw = IronSnappy.Snappy.Decode(request.Body.Span);
        raw.Length.Should().Be(request.UncompressedBytes, name);
        PushRequest.Parser.ParseFrom(raw).Streams.Single().Entries.Select(e => e.Line).Should().Equal(lines, name);
    }

    [Fact]
    public void Repetitive_log_text_compresses_to_under_a_tenth()
    {
        var batch = Batch(Stream(Labels(("app", "a")), [.. Enumerable.Range(0, 5000).Select(i => (1_000_000_000L, "level=info msg=\"request completed\" status=200"))]));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);

        request.Body.Length.Should().BeLessThan(request.UncompressedBytes / 10);
    }

    [Fact]
    public void The_body_starts_with_the_uncompressed_length_as_a_varint()
    {
        var batch = Batch(Stream(Labels(("a", "b")), (1_000_000_001, new string('x', 300))));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);

        // 300 bytes of line make a request of 324 bytes = 0b10_1000100: the varint 0xC4 0x02.
        request.UncompressedBytes.Should().Be(324);
        request.Body.Span[..2].ToArray().Should().Equal(0xC4, 0x02);
    }
}

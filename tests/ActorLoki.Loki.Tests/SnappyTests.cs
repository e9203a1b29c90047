using System.Text;
using ActorLoki.Loki.Wire;

namespace ActorLoki.Loki.Tests;

public sealed class SnappyTests
{
    public static TheoryData<string, byte[]> Inputs()
    {
        var random = new Random(7);
        byte[] Random(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }

        var text = new StringBuilder();
        while (text.Length < 300_000)
        {
            text.Append("ts=2026-01-01T00:00:00Z level=info msg=\"request completed\" path=/api/v1/orders status=200 duration_ms=").Append(random.Next(1000)).Append('\n');
        }

        var log = Encoding.UTF8.GetBytes(text.ToString());
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "one byte", [42] },
            { "sixteen bytes", Random(16) },
            { "seventeen bytes", Random(17) },
            { "short text", Encoding.UTF8.GetBytes("hello hello hello hello hello hello") },
            { "incompressible 1 MiB", Random(1 << 20) },
            { "zeros 300 KiB (long copies)", new byte[300 * 1024] },
            { "log text 300 KB", log },
            { "one block exactly", log[..65536] },
            { "one block and one byte", log[..65537] },
            { "one block less one byte", log[..65535] },
            { "text with a 70-byte period", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-+=!?()", 2000))) },
        };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Compressed_blocks_decode_back_with_an_independent_snappy_decoder(string name, byte[] input)
    {
        var compressed = new byte[SnappyBlock.MaxCompressedLength(input.Length)];

        var length = SnappyBlock.Compress(input, compressed);

        IronSnappy.Snappy.Decode(compressed.AsSpan(0, length)).Should().Equal(input, name);
    }

    [Fact]
    public void Repetitive_text_compresses_well_and_random_bytes_stay_within_the_bound()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("level=info msg=\"request completed\" status=200\n", 5000)));
        var random = new byte[100_000];
        new Random(1).NextBytes(random);
        var buffer = new byte[SnappyBlock.MaxCompressedLength(text.Length)];

        SnappyBlock.Compress(text, buffer).Should().BeLessThan(text.Length / 10);
        SnappyBlock.Compress(random, buffer).Should().BeLessThanOrEqualTo(SnappyBlock.MaxCompressedLength(random.Length));
    }

    [Fact]
    public void The_output_starts_with_the_uncompressed_length_as_a_varint()
    {
        var input = new byte[300];
        var buffer = new byte[SnappyBlock.MaxCompressedLength(input.Length)];

        SnappyBlock.Compress(input, buffer);

        // 300 = 0b10_0101100: 0xAC 0x02
        buffer[..2].Should().Equal(0xAC, 0x02);
    }

    [Fact]
    public void A_destination_smaller_than_the_bound_is_refused()
    {
        var act = () => SnappyBlock.Compress(new byte[100], new byte[100]);

        act.Should().Throw<ArgumentException>();
    }
}

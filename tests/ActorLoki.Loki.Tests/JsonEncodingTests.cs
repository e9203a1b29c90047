using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ActorLoki.Loki;
using ActorLoki.Loki.Wire;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

public sealed class JsonEncodingTests
{
    [Fact]
    public void The_json_body_has_loki_s_shape_with_timestamps_as_strings_and_metadata_as_a_third_element()
    {
        var metadata = StructuredMetadata.Create(new Label("pod", "api-1"));
        var batch = Batch(
            Stream(Labels(("app", "api"), ("namespace", "dev")), (1_700_000_000_000_000_001, "say \"hi\" ünï 日本\n\ttab")),
            Stream(Labels(("app", "db")), metadata, (-5, "x")));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Json, false, LineLimits.Default);
        var text = Encoding.UTF8.GetString(request.Body.Span);

        request.ContentType.Should().Be("application/json");
        request.ContentEncoding.Should().BeNull();
        text.Should().Be(
            "{\"streams\":[" +
            "{\"stream\":{\"app\":\"api\",\"namespace\":\"dev\"},\"values\":[[\"1700000000000000001\",\"say \\\"hi\\\" ünï 日本\\n\\ttab\"]]}," +
            "{\"stream\":{\"app\":\"db\"},\"values\":[[\"-5\",\"x\",{\"pod\":\"api-1\"}]]}" +
            "]}");
        using var document = JsonDocument.Parse(text);
        document.RootElement.GetProperty("streams")[0].GetProperty("values")[0][1].GetString().Should().Be("say \"hi\" ünï 日本\n\ttab");
    }

    [Fact]
    public void Gzip_json_decompresses_to_the_same_json()
    {
        var batch = Batch(Stream(Labels(("app", "api")), Enumerable.Range(0, 200).Select(i => ((long)i, $"line {i} of some log text")).ToArray()));

        using var plain = EncodedRequest.Encode(Plan(batch), PushFormat.Json, false, LineLimits.Default);
        using var gzipped = EncodedRequest.Encode(Plan(batch), PushFormat.Json, true, LineLimits.Default);

        gzipped.ContentEncoding.Should().Be("gzip");
        gzipped.Body.Length.Should().BeLessThan(plain.Body.Length / 3);
        using var inflated = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(gzipped.Body.ToArray()), CompressionMode.Decompress))
        {
            gzip.CopyTo(inflated);
        }

        inflated.ToArray().Should().Equal(plain.Body.ToArray());
    }

    [Fact]
    public void Invalid_utf8_and_long_lines_are_fixed_in_json_too()
    {
        var limits = new LineLimits(MaxLineBytes: 64);
        var batch = Batch(RawStream(Labels(("app", "api")), (1, [0x61, 0xFE, 0x62]), (2, Encoding.UTF8.GetBytes(new string('z', 100)))));

        using var request = EncodedRequest.Encode(Plan(batch, limits.MaxLineBytes), PushFormat.Json, false, limits);
        using var document = JsonDocument.Parse(request.Body);
        var values = document.RootElement.GetProperty("streams")[0].GetProperty("values");

        values[0][1].GetString().Should().Be("a\uFFFDb");
        values[1][1].GetString().Should().StartWith("zzz").And.EndWith("…[truncated 60 bytes]");
        Encoding.UTF8.GetByteCount(values[1][1].GetString()!).Should().BeLessThanOrEqualTo(64);
    }
}

using System.Text;
using ActorLoki.Loki;
using ActorLoki.Loki.Protos;
using ActorLoki.Loki.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

public sealed class ProtobufEncodingTests
{
    [Fact]
    public void A_tiny_request_encodes_to_the_hand_computed_bytes()
    {
        var batch = Batch(Stream(Labels(("a", "b")), (1_000_000_001, "hi")));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);

        // PushRequest.streams (1): StreamAdapter of 21 bytes
        //   labels (1): 7 bytes {a="b"}
        //   entries (2): EntryAdapter of 10 bytes
        //     timestamp (1): Timestamp of 4 bytes: seconds (1) = 1, nanos (2) = 1
        //     line (2): 2 bytes "hi"
        byte[] expected =
        [
            0x0A, 0x15,
            0x0A, 0x07, (byte)'{', (byte)'a', (byte)'=', (byte)'"', (byte)'b', (byte)'"', (byte)'}',
            0x12, 0x0A,
            0x0A, 0x04, 0x08, 0x01, 0x10, 0x01,
            0x12, 0x02, (byte)'h', (byte)'i',
        ];
        Uncompressed(request).Should().Equal(expected);
        request.ContentType.Should().Be("application/x-protobuf");
        request.ContentEncoding.Should().BeNull("Loki's clients send snappy protobuf without a Content-Encoding");
        request.UncompressedBytes.Should().Be(expected.Length);
    }

    [Fact]
    public void Structured_metadata_encodes_to_the_hand_computed_bytes()
    {
        var metadata = StructuredMetadata.Create(new Label("pod", "p"));
        var batch = Batch(Stream(Labels(("a", "b")), metadata, (2_000_000_000, "x")));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);

        byte[] expected =
        [
            0x0A, 0x1C,
            0x0A, 0x07, (byte)'{', (byte)'a', (byte)'=', (byte)'"', (byte)'b', (byte)'"', (byte)'}',
            0x12, 0x11,
            0x0A, 0x02, 0x08, 0x02,                 // seconds = 2, nanos = 0 left out
            0x12, 0x01, (byte)'x',
            0x1A, 0x08,                             // structuredMetadata (3): LabelPairAdapter of 8 bytes
            0x0A, 0x03, (byte)'p', (byte)'o', (byte)'d',
            0x12, 0x01, (byte)'p',
        ];
        Uncompressed(request).Should().Equal(expected);
    }

    [Fact]
    public void The_encoding_decodes_field_by_field_with_the_generated_parser_and_equals_its_own_serialisation()
    {
        var metadata = StructuredMetadata.Create(new Label("pod", "api-7d9f"), new Label("k8s.uid", "0b6e"));
        var long1 = new string('x', 300);
        var long2 = new string('y', 20_000);
        var batch = Batch(
            Stream(Labels(("app", "api"), ("namespace", "dev1")), (1_700_000_000_123_456_789, "first line"), (1_700_000_000_123_456_790, "ünïcödé 日本 🚀"), (1_700_000_001_000_000_000, long1)),
            Stream(Labels(("app", "db")), metadata, (-1_500_000_000, "before the epoch"), (0, long2), (5, "")));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);
        var bytes = Uncompressed(request);
        var decoded = PushRequest.Parser.ParseFrom(bytes);

        decoded.Streams.Should().HaveCount(2);
        decoded.Streams[0].Labels.Should().Be("{app=\"api\", namespace=\"dev1\"}");
        decoded.Streams[0].Hash.Should().Be(0UL);
        decoded.Streams[0].Entries.Select(e => (e.Timestamp.Seconds, e.Timestamp.Nanos, e.Line)).Should().Equal(
            (1_700_000_000L, 123_456_789, "first line"),
            (1_700_000_000L, 123_456_790, "ünïcödé 日本 🚀"),
            (1_700_000_001L, 0, long1));
        decoded.Streams[0].Entries.Should().OnlyContain(e => e.StructuredMetadata.Count == 0);
        decoded.Streams[1].Labels.Should().Be("{app=\"db\"}");
        decoded.Streams[1].Entries.Select(e => (e.Timestamp.Seconds, e.Timestamp.Nanos, e.Line)).Should().Equal(
            (-2L, 500_000_000, "before the epoch"),
            (0L, 0, long2),
            (0L, 5, ""));
        decoded.Streams[1].Entries.Should().OnlyContain(e =>
            e.StructuredMetadata.Select(p => $"{p.Name}={p.Value}").SequenceEqual(new[] { "pod=api-7d9f", "k8s_uid=0b6e" }));

        // Google.Protobuf's own serialiser writes the canonical encoding; ours must be byte-identical.
        var expected = GeneratedRequests.From(batch);
        bytes.Should().Equal(expected.ToByteArray());
    }

    [Fact]
    public void Invalid_utf8_is_replaced_with_the_replacement_character_only_where_needed()
    {
        var batch = Batch(RawStream(Labels(("app", "api")), (1, [0x6F, 0x6B]), (2, [0x61, 0xFF, 0x62, 0xC3]), (3, [0xE2, 0x82, 0xAC])));

        using var request = EncodedRequest.Encode(Plan(batch), PushFormat.Protobuf, false, LineLimits.Default);
        var decoded = PushRequest.Parser.ParseFrom(Uncompressed(request));

        decoded.Streams[0].Entries.Select(e => e.Line).Should().Equal("ok", "a\uFFFDb\uFFFD", "€");
        request.Changes.Repaired.Should().Be(1);
        request.Changes.Truncated.Should().Be(0);
    }

    [Fact]
    public void A_stream_whose_lines_were_all_dropped_is_left_out_of_the_request()
    {
        var limits = new LineLimits(MaxLineBytes: 100, OnLongLine: LongLinePolicy.Drop);
        var batch = Batch(
            Stream(Labels(("app", "a")), (1, new string('x', 101))),
            Stream(Labels(("app", "b")), (2, "kept"), (3, new string('y', 500))));

        using var request = EncodedRequest.Encode(Plan(batch, limits.MaxLineBytes), PushFormat.Protobuf, false, limits);
        var decoded = PushRequest.Parser.ParseFrom(Uncompressed(request));

        decoded.Streams.Should().ContainSingle().Which.Labels.Should().Be("{app=\"b\"}");
        decoded.Streams[0].Entries.Select(e => e.Line).Should().Equal("kept");
        request.Entries.Should().Be(1);
        request.Changes.DroppedTooLong.Should().Be(2);
    }
}

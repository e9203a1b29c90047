using System.Net.Http.Headers;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using static ActorLoki.Simulator.Tests.Loki.Pushes;

namespace ActorLoki.Simulator.Tests.Loki;

public sealed class LokiReceiverPushTests
{

    private static Task<LokiReceiver> StartAsync(Func<LokiReceiverOptions, LokiReceiverOptions>? configure = null, ManualTimeProvider? time = null)
    {
        var options = new LokiReceiverOptions { Time = time ?? new ManualTimeProvider(Start) };
        return LokiReceiver.StartAsync(configure?.Invoke(options) ?? options);
    }

    [Fact]
    public async Task A_snappy_protobuf_push_is_stored_per_stream_and_answered_204()
    {
        await using var receiver = await StartAsync();

        var (status, body, _) = await PostAsync(receiver.PushUrl, Protobuf(
            Stream("{namespace=\"dev\", app=\"api\"}", (T0, "one"), (T0 + 1, "two")),
            Stream("{app=\"db\"}", (T0, "three"))));

        status.Should().Be(204, body);
        var streams = receiver.Streams();
        streams.Select(s => s.Labels).Should().Equal("{app=\"api\", namespace=\"dev\", service_name=\"api\"}", "{app=\"db\", service_name=\"db\"}");
        streams[0].Tenant.Should().Be("fake");
        streams[0].Entries.Select(e => (e.TimestampUnixNanos, e.Line)).Should().Equal((T0, "one"), (T0 + 1, "two"));
        streams[0].Entries.Should().OnlyContain(e => e.AcceptedAt == Start);
        receiver.Statistics.EntriesAccepted.Should().Be(3);
        receiver.Statistics.RequestsByStatus.Should().Equal(new Dictionary<int, long> { [204] = 1 });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_json_push_plain_or_gzipped_is_stored_with_its_structured_metadata(bool gzip)
    {
        await using var receiver = await StartAsync();
        var json = $$"""{"streams":[{"stream":{"app":"api","namespace":"dev"},"values":[["{{T0}}","plain"],["{{T0 + 5}}","with meta",{"pod":"api-1","trace_id":"abc"}]]}]}""";

        var (status, body, _) = await PostAsync(receiver.PushUrl, Json(json, gzip));

        status.Should().Be(204, body);
        var entries = receiver.Streams().Single().Entries;
        entries.Select(e => e.Line).Should().Equal("plain", "with meta");
        entries[1].StructuredMetadata.Should().Equal(new("pod", "api-1"), new KeyValuePair<string, string>("trace_id", "abc"));
    }

    [Fact]
    public async Task An_unsupported_content_encoding_and_a_corrupt_body_are_answered_400()
    {
        await using var receiver = await StartAsync();
        var brotli = new ByteArrayContent([1, 2, 3]);
        brotli.Headers.ContentEncoding.Add("br");
        var corrupt = new ByteArrayContent([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        corrupt.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        var (encodingStatus, encodingBody, _) = await PostAsync(receiver.PushUrl, brotli);
        var (corruptStatus, corruptBody, _) = await PostAsync(receiver.PushUrl, corrupt);

        (encodingStatus, encodingBody).Should().Be((400, "Content-Encoding \"br\" not supported\n"));
        corruptStatus.Should().Be(400);
        corruptBody.Should().Contain("snappy");
    }

    [Fact]
    public async Task Exact_duplicates_are_dropped_silently_and_counted_but_the_same_time_with_another_line_is_kept()
    {
        await using var receiver = await StartAsync();
        var stream = Stream("{app=\"api\"}", (T0, "a"), (T0, "b"), (T0 + 1, "c"));

        await PostAsync(receiver.PushUrl, Protobuf(stream));
        var (status, _, _) = await PostAsync(receiver.PushUrl, Protobuf(stream, Stream("{app=\"api\"}", (T0, "a"), (T0, "d"))));

        status.Should().Be(204);
        receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("a", "b", "c", "d");
        receiver.Statistics.DuplicatesDropped.Should().Be(4);
        receiver.Statistics.EntriesAccepted.Should().Be(4);
    }

    [Fact]
    public async Task Out_of_order_entries_within_half_the_max_chunk_age_are_accepted_and_older_ones_are_too_far_behind()
    {
        await using var receiver = await StartAsync();
        var hour = 3600L * 1_000_000_000;
        await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0, "newest"))));

        var (status, body, _) = await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}",
            (T0 - (hour / 2), "half an hour behind: fine"),
            (T0 - hour - 1, "too far behind"),
            (T0 + 1, "new"))));

        status.Should().Be(400);
        body.Should().Be(
            "entry with timestamp 2026-01-10 10:59:59.999999999 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2026-01-10T10:59:59Z, oldest acceptable timestamp is: 2026-01-10T11:00:00Z',\n" +
            "user 'fake', total ignored: 1 out of 3 for stream: {app=\"api\", service_name=\"api\"}\n");
        receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("newest", "half an hour behind: fine", "new");
        receiver.Statistics.RejectedByReason.Should().Equal(new Dictionary<string, long> { ["too_far_behind"] = 1 });
    }

    [Fact]
    public async Task Entries_older_than_the_max_age_or_too_far_in_the_future_are_refused_with_loki_s_messages()
    {
        var time = new ManualTimeProvider(Start);
        await using var receiver = await StartAsync(time: time);
        var eightDays = 8L * 24 * 3600 * 1_000_000_000;
        var elevenMinutes = 11L * 60 * 1_000_000_000;

        var (status, body, _) = await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0 - eightDays, "old"), (T0 + elevenMinutes, "future"), (T0, "now"))));

        status.Should().Be(400);
        body.Should().Be(
            "1 errors like: entry for stream '{app=\"api\", service_name=\"api\"}' has timestamp too old: 2026-01-02T12:00:00Z, oldest acceptable timestamp is: 2026-01-03T12:00:00Z; " +
            "1 errors like: entry for stream '{app=\"api\", service_name=\"api\"}' has timestamp too new: 2026-01-10T12:11:00Z\n");
        receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("now");
        receiver.Statistics.RejectedByReason.Should().Equal(new Dictionary<string, long> { ["greater_than_max_sample_age"] = 1, ["too_far_in_future"] = 1 });
    }

    [Fact]
    public async Task Identical_errors_are_grouped_with_their_count()
    {
        await using var receiver = await StartAsync(o => o with { MaxLineSize = 10 });

        var (_, body, _) = await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0, "0123456789A"), (T0 + 1, "0123456789A"))));

        body.Should().Be("2 errors like: Max entry size '10' bytes exceeded for stream '{app=\"api\", service_name=\"api\"}' while adding an entry with length '11' bytes\n");
    }

    public static TheoryData<string, string, string> BadLabels() => new()
    {
        { "{app=\"api\"", "Error parsing labels '{app=\"api\"' with error: 1:11: parse error: unexpected end of input in label set, expected \"}\"", "invalid_labels" },
        { "{app-name=\"x\"}", "Error parsing labels '{app-name=\"x\"}' with error: 1:5: parse error: unexpected \"-\" in label set, expected \"=\"", "invalid_labels" },
        { "{app=api}", "Error parsing labels '{app=api}' with error: 1:6: parse error: unexpected identifier \"api\" in label set, expected string", "invalid_labels" },
        { "{}", "error at least one label pair is required per stream", "missing_labels" },
        { "{app=\"\"}", "error at least one label pair is required per stream", "missing_labels" },
        { "{a=\"1\", a=\"2\"}", "stream '{a=\"1\", a=\"2\"}' has duplicate label name: 'a'", "duplicate_label_names" },
        { "{a=\"1\", b=\"2\", c=\"3\", d=\"4\"}", "entry for stream '{a=\"1\", b=\"2\", c=\"3\", d=\"4\"}' has 4 label names; limit 3", "max_label_names_per_series" },
        { "{a=\"0123456789abcdef\"}", "stream '{a=\"0123456789abcdef\"}' has label value too long: '0123456789abcdef'", "label_value_too_long" },
        { "{abcdefghijk=\"x\"}", "stream '{abcdefghijk=\"x\"}' has label name too long: 'abcdefghijk'", "label_name_too_long" },
    };

    [Theory]
    [MemberData(nameof(BadLabels))]
    public async Task A_stream_with_bad_labels_is_refused_whole_while_the_other_streams_are_stored(string labels, string message, string reason)
    {
        await using var receiver = await StartAsync(o => o with { MaxLabelNamesPerSeries = 3, MaxLabelValueLength = 15, MaxLabelNameLength = 10 });

        var (status, body, _) = await PostAsync(receiver.PushUrl, Protobuf(
            Stream(labels, (T0, "refused 1"), (T0 + 1, "refused 2")),
            Stream("{app=\"good\"}", (T0, "stored"))));

        (status, body).Should().Be((400, message + "\n"));
        receiver.Streams().Single().Entries.Single().Line.Should().Be("stored");
        receiver.Statistics.RejectedByReason.Should().Equal(new Dictionary<string, long> { [reason] = 2 });
    }

    [Fact]
    public async Task Structured_metadata_over_the_limits_is_refused_per_entry()
    {
        await using var receiver = await StartAsync(o => o with { MaxStructuredMetadataSize = 10, MaxStructuredMetadataCount = 2 });
        var stream = Stream("{app=\"api\"}");
        stream.Entries.Add(Entry(T0, "big", ("name", "a long value")));
        stream.Entries.Add(Entry(T0 + 1, "many", ("a", "1"), ("b", "2"), ("c", "3")));
        stream.Entries.Add(Entry(T0 + 2, "fine", ("p", "1")));

        var (status, body, _) = await PostAsync(receiver.PushUrl, Protobuf(stream));

        status.Should().Be(400);
        body.Should().Contain("has structured metadata too large: '16' bytes, limit: '10' bytes").And.Contain("has too many structured metadata labels: '3', limit: '2'");
        receiver.Streams().Single().Entries.Single().Line.Should().Be("fine");
    }

    [Fact]
    public async Task Service_name_is_discovered_from_the_usual_labels_or_set_to_unknown_service()
    {
        await using var receiver = await StartAsync();

        await PostAsync(receiver.PushUrl, Protobuf(
            Stream("{container=\"main\", job=\"ns/x\"}", (T0, "a")),
            Stream("{namespace=\"dev\"}", (T0, "b")),
            Stream("{service_name=\"given\", app=\"x\"}", (T0, "c"))));

        receiver.Streams().Select(s => s.LabelValues["service_name"]).Should().BeEquivalentTo("main", "unknown_service", "given");
    }

    [Fact]
    public async Task Without_discovery_the_labels_are_stored_as_sent()
    {
        await using var receiver = await StartAsync(o => o with { DiscoverServiceName = [] });

        await PostAsync(receiver.PushUrl, Protobuf(Stream("{b=\"2\",a=\"1\",}", (T0, "x"))));

        receiver.Streams().Single().Labels.Should().Be("{a=\"1\", b=\"2\"}");
    }

    [Fact]
    public async Task A_receiver_that_requires_a_tenant_answers_401_without_one_and_keeps_tenants_apart()
    {
        await using var receiver = await StartAsync(o => o with { RequireTenant = true });
        var push = () => Protobuf(Stream("{app=\"api\"}", (T0, "x")));

        var (noTenant, body, _) = await PostAsync(receiver.PushUrl, push());
        await PostAsync(receiver.PushUrl, push(), tenant: "a");
        await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0, "y"))), tenant: "b");

        (noTenant, body).Should().Be((401, "no org id\n"));
        receiver.Streams("a").Single().Entries.Single().Line.Should().Be("x");
        receiver.Streams("b").Single().Entries.Single().Line.Should().Be("y");
        var (queryStatus, _) = await GetAsync(receiver.BaseAddress, "loki/api/v1/query_range?query={app=\"api\"}");
        queryStatus.Should().Be(401);
    }

    [Fact]
    public async Task Waiting_for_entries_completes_when_enough_have_been_stored()
    {
        await using var receiver = await StartAsync();
        var three = receiver.WaitForEntriesAsync(3);
        var five = receiver.WaitForEntriesAsync(5);

        await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0, "1"), (T0 + 1, "2"))));
        three.IsCompleted.Should().BeFalse();
        await PostAsync(receiver.PushUrl, Protobuf(Stream("{app=\"api\"}", (T0 + 2, "3"))));

        await three.WaitAsync(TimeSpan.FromSeconds(10));
        five.IsCompleted.Should().BeFalse();
        receiver.WaitForEntriesAsync(2).IsCompleted.Should().BeTrue();
    }

    [Fact]
    public async Task The_ready_endpoint_answers_ready()
    {
        await using var receiver = await StartAsync();

        (await GetAsync(receiver.BaseAddress, "ready")).Should().Be((200, "ready"));
    }
}

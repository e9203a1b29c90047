using System.Diagnostics.Metrics;
using System.Text;
using ActorLoki.Loki;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

/// <summary>The client against the simulator's Loki-compatible receiver, over 127.0.0.1.</summary>
public sealed class LokiClientTests : IAsyncLifetime
{
    private static readonly long Now = Nanos(DateTimeOffset.UtcNow);
    private LokiReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LokiReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private LokiClient Client(Func<LokiClientOptions, LokiClientOptions>? configure = null, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        var options = new LokiClientOptions { Url = _receiver.PushUrl, Timeout = TimeSpan.FromSeconds(30) };
        return new LokiClient(configure?.Invoke(options) ?? options, timeProvider: time, meterFactory: meters);
    }

    [Theory]
    [InlineData(PushFormat.Protobuf, false)]
    [InlineData(PushFormat.Json, false)]
    [InlineData(PushFormat.Json, true)]
    public async Task A_pushed_batch_reads_back_through_the_query_api(PushFormat format, bool gzip)
    {
        using var client = Client(o => o with { Format = format, JsonGzip = gzip });
        var api = Labels(("app", "api"), ("namespace", "dev1"));
        var db = Labels(("app", "db"), ("namespace", "dev1"));
        var batch = Batch(
            Stream(api, (Now, "GET /orders 200"), (Now + 1, "ünïcödé 日本 🚀 \"quoted\" \\ back"), (Now + 2, "")),
            Stream(db, (Now + 5, "checkpoint complete")));

        var result = await client.PushAsync(batch);

        result.Outcome.Should().Be(PushOutcome.Success);
        result.IsFinal.Should().BeTrue();
        result.StatusCode.Should().Be(204);
        result.Resume.IsAtEnd(batch).Should().BeTrue();
        result.Requests.Should().Be(1);
        var streams = await QueryApi.QueryRangeAsync(_receiver.BaseAddress, "{namespace=\"dev1\"}");
        streams.Should().HaveCount(2);
        var apiStream = streams.Single(s => s.Labels["app"] == "api");
        apiStream.Labels.Should().Contain("namespace", "dev1");
        apiStream.Values.Should().Equal((Now, "GET /orders 200"), (Now + 1, "ünïcödé 日本 🚀 \"quoted\" \\ back"), (Now + 2, ""));
        streams.Single(s => s.Labels["app"] == "db").Values.Should().Equal((Now + 5, "checkpoint complete"));
    }

    [Theory]
    [InlineData(PushFormat.Protobuf)]
    [InlineData(PushFormat.Json)]
    public async Task Label_values_with_quotes_backslashes_newlines_and_unicode_survive_loki_s_label_parser(PushFormat format)
    {
        using var client = Client(o => o with { Format = format });
        var value = "say \"hi\" C:\\dir\nnext\ttab ünï 日本 🚀 it's";
        var labels = Labels(("app", "edge"), ("weird", value));

        var result = await client.PushAsync(Batch(Stream(labels, (Now, "line"))));

        result.Outcome.Should().Be(PushOutcome.Success);
        var stream = (await QueryApi.QueryRangeAsync(_receiver.BaseAddress, "{app=\"edge\"}")).Single();
        stream.Labels["weird"].Should().Be(value);
    }

    [Fact]
    public async Task Structured_metadata_reaches_loki_and_reads_back_with_the_entry()
    {
        using var client = Client();
        var metadata = StructuredMetadata.Create(new Label("pod", "api-7d9f"), new Label("pod_uid", "0b6e"));

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), metadata, (Now, "hello"))));

        result.Outcome.Should().Be(PushOutcome.Success);
        _receiver.Streams().Single().Entries.Single().StructuredMetadata.Should().Equal(new("pod", "api-7d9f"), new KeyValuePair<string, string>("pod_uid", "0b6e"));
        var stream = (await QueryApi.QueryRangeAsync(_receiver.BaseAddress, "{app=\"api\"}")).Single();
        stream.Labels.Should().Contain("pod", "api-7d9f").And.Contain("pod_uid", "0b6e");
    }

    [Fact]
    public async Task Invalid_utf8_reaches_loki_as_the_replacement_character_and_is_counted()
    {
        using var client = Client();

        var result = await client.PushAsync(Batch(RawStream(Labels(("app", "bin")), (Now, [0x6F, 0x6B, 0xFF]))));

        result.Outcome.Should().Be(PushOutcome.Success);
        result.Repaired.Should().Be(1);
        _receiver.Streams().Single().Entries.Single().Line.Should().Be("ok\uFFFD");
        client.Statistics.LinesRepaired.Should().Be(1);
    }

    [Fact]
    public async Task Rate_limiting_with_retry_after_in_seconds_is_retryable_and_says_how_long_to_wait()
    {
        using var client = Client();
        _receiver.Faults.Next(1, LokiFault.Status(429, retryAfter: "7"));

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));

        result.Outcome.Should().Be(PushOutcome.Retryable);
        result.IsFinal.Should().BeFalse();
        result.StatusCode.Should().Be(429);
        result.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        result.Detail.Should().Contain("rate limit");
        result.Resume.Should().Be(PushCursor.Start);
        _receiver.Statistics.EntriesAccepted.Should().Be(0);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_measured_from_the_client_s_clock()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
        using var client = Client(time: time);
        _receiver.Faults.Next(1, LokiFault.Status(503, retryAfter: "Sun, 01 Mar 2026 10:00:45 GMT"));

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));

        result.Outcome.Should().Be(PushOutcome.Retryable);
        result.RetryAfter.Should().Be(TimeSpan.FromSeconds(45));
    }

    [Theory]
    [InlineData(500, PushOutcome.Retryable)]
    [InlineData(502, PushOutcome.Retryable)]
    [InlineData(503, PushOutcome.Retryable)]
    [InlineData(504, PushOutcome.Retryable)]
    [InlineData(501, PushOutcome.ConfigurationError)]
    [InlineData(401, PushOutcome.ConfigurationError)]
    [InlineData(403, PushOutcome.ConfigurationError)]
    public async Task Server_errors_are_retryable_and_auth_errors_and_501_are_configuration_errors(int status, PushOutcome outcome)
    {
        using var client = Client();
        _receiver.Faults.Next(1, LokiFault.Status(status));

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));

        result.Outcome.Should().Be(outcome);
        result.StatusCode.Should().Be(status);
        result.Dropped.Should().BeEmpty("nothing is ever dropped for these");
        result.Resume.Should().Be(PushCursor.Start);
    }

    [Fact]
    public async Task A_wrong_url_path_is_a_configuration_error()
    {
        using var client = new LokiClient(new LokiClientOptions { Url = new Uri(_receiver.BaseAddress, "loki/api/v1/pushh") });

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));

        result.Outcome.Should().Be(PushOutcome.ConfigurationError);
        result.StatusCode.Should().BeOneOf(404, 405);
    }

    [Fact]
    public async Task A_request_answered_413_is_split_in_halves_until_every_entry_is_stored()
    {
        using var client = Client();
        var random = new Random(5);
        var lines = Enumerable.Range(0, 64).Select(i => (Now + i, $"line {i} {new string(Enumerable.Range(0, 200).Select(_ => (char)random.Next(33, 126)).ToArray())}")).ToArray();
        _receiver.Faults.Always(LokiFault.TooLargeAbove(4000));

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), lines)));

        result.Outcome.Should().Be(PushOutcome.Success);
        result.Requests.Should().BeGreaterThan(2);
        result.EntriesAnswered.Should().Be(64);
        _receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal(lines.Select(l => l.Item2));
        _receiver.Statistics.RequestsByStatus.Should().ContainKey(413);
    }

    [Fact]
    public async Task A_single_entry_still_answered_413_is_dropped_and_counted()
    {
        using var client = Client();
        _receiver.Faults.Always(LokiFault.TooLargeAbove(200));
        var random = new Random(3);
        var incompressible = new string(Enumerable.Range(0, 2000).Select(_ => (char)random.Next(33, 126)).ToArray());

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "small"), (Now + 1, incompressible))));

        result.Outcome.Should().Be(PushOutcome.Rejected);
        result.IsFinal.Should().BeTrue();
        result.Dropped.Should().Equal(new Dictionary<DropReason, int> { [DropReason.RequestTooLarge] = 1 });
        _receiver.Streams().Single().Entries.Should().ContainSingle().Which.Line.Should().StartWith("small");
        client.Statistics.Dropped.Should().Contain(DropReason.RequestTooLarge, 1);
    }

    [Fact]
    public async Task A_400_drops_only_the_invalid_entries_and_counts_them_by_loki_s_reason()
    {
        using var client = Client(o => o with { Lines = new LineLimits(MaxLineBytes: 512 * 1024) });
        var eightDaysAgo = Nanos(DateTimeOffset.UtcNow.AddDays(-8));
        var batch = Batch(
            Stream(Labels(("app", "api")), (eightDaysAgo, "too old"), (Now, "fine"), (Now + 1, new string('L', 300 * 1024))),
            Stream(Labels(("app", "db")), (Now, "also fine")));

        var result = await client.PushAsync(batch);

        result.Outcome.Should().Be(PushOutcome.Rejected);
        result.IsFinal.Should().BeTrue();
        result.StatusCode.Should().Be(400);
        result.Dropped.Should().Equal(new Dictionary<DropReason, int> { [DropReason.TooOld] = 1, [DropReason.LineTooLong] = 1 });
        result.Detail.Should().Contain("timestamp too old").And.Contain("Max entry size");
        result.Resume.IsAtEnd(batch).Should().BeTrue();
        _receiver.Streams().SelectMany(s => s.Entries).Select(e => e.Line).Should().BeEquivalentTo("fine", "also fine");
        client.Statistics.Dropped.Should().Contain(DropReason.TooOld, 1).And.Contain(DropReason.LineTooLong, 1);
    }

    [Fact]
    public async Task Entries_too_far_behind_the_stream_are_counted_from_the_ingester_s_answer()
    {
        using var client = Client();
        var labels = Labels(("app", "api"));
        (await client.PushAsync(Batch(Stream(labels, (Now, "newest"))))).Outcome.Should().Be(PushOutcome.Success);
        var twoHoursEarlier = Now - (2L * 3600 * 1_000_000_000);

        var result = await client.PushAsync(Batch(Stream(labels, (twoHoursEarlier, "old 1"), (twoHoursEarlier + 1, "old 2"), (Now + 1, "new"))));

        result.Outcome.Should().Be(PushOutcome.Rejected);
        result.Dropped.Should().Equal(new Dictionary<DropReason, int> { [DropReason.TooFarBehind] = 2 });
        result.Detail.Should().Contain("total ignored: 2 out of 3");
    }

    [Fact]
    public async Task A_retryable_failure_in_the_middle_of_a_batch_resumes_after_the_requests_already_answered()
    {
        using var client = Client(o => o with { MaxRequestBytes = 1000 });
        var lines = Enumerable.Range(0, 30).Select(i => (Now + i, $"{i:D3} {new string('m', 96)}")).ToArray();
        var batch = Batch(Stream(Labels(("app", "api")), lines));
        _receiver.Faults.Next(1, LokiFault.Status(503), skip: 1);

        var first = await client.PushAsync(batch);

        first.Outcome.Should().Be(PushOutcome.Retryable);
        first.Requests.Should().Be(2);
        first.Resume.Should().Be(new PushCursor(0, 10));
        _receiver.Statistics.EntriesAccepted.Should().Be(10);

        var second = await client.PushAsync(batch, first.Resume);

        second.Outcome.Should().Be(PushOutcome.Success);
        second.Requests.Should().Be(2);
        _receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal(lines.Select(l => l.Item2));
        _receiver.Statistics.DuplicatesDropped.Should().Be(0, "nothing was sent twice");
    }

    [Fact]
    public async Task Re_sending_an_acknowledged_batch_is_harmless_because_loki_drops_exact_duplicates()
    {
        using var client = Client();
        var batch = Batch(Stream(Labels(("app", "api")), (Now, "a"), (Now, "b"), (Now + 1, "c")));

        (await client.PushAsync(batch)).Outcome.Should().Be(PushOutcome.Success);
        (await client.PushAsync(batch)).Outcome.Should().Be(PushOutcome.Success);

        _receiver.Streams().Single().Entries.Select(e => e.Line).Should().Equal("a", "b", "c");
        _receiver.Statistics.DuplicatesDropped.Should().Be(3);
    }

    [Fact]
    public async Task A_request_loki_does_not_answer_times_out_as_retryable()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var client = Client(o => o with { Timeout = TimeSpan.FromSeconds(10) }, time);
        _receiver.Faults.Next(1, LokiFault.Hang);

        var push = client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));
        await _receiver.WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(30));
        push.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(10));
        var result = await push.WaitAsync(TimeSpan.FromSeconds(30));

        result.Outcome.Should().Be(PushOutcome.Retryable);
        result.StatusCode.Should().BeNull();
        result.Detail.Should().Contain("no answer within 10s");
    }

    [Fact]
    public async Task A_reset_connection_is_a_retryable_transport_error()
    {
        using var client = Client();
        _receiver.Faults.Next(1, LokiFault.Reset);

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "api")), (Now, "x"))));

        result.Outcome.Should().Be(PushOutcome.Retryable);
        result.StatusCode.Should().BeNull();
        result.Detail.Should().StartWith("transport:");
    }

    [Fact]
    public async Task While_loki_is_down_pushes_are_retryable_and_succeed_when_it_is_back()
    {
        using var client = Client();
        var batch = Batch(Stream(Labels(("app", "api")), (Now, "x")));
        await _receiver.GoDownAsync();

        var whileDown = await client.PushAsync(batch);
        await _receiver.ComeUpAsync();
        var afterwards = await client.PushAsync(batch, whileDown.Resume);

        whileDown.Outcome.Should().Be(PushOutcome.Retryable);
        whileDown.Detail.Should().Contain("refused");
        afterwards.Outcome.Should().Be(PushOutcome.Success);
        _receiver.Statistics.EntriesAccepted.Should().Be(1);
    }

    [Fact]
    public async Task The_tenant_is_sent_as_x_scope_orgid_and_a_missing_one_is_a_configuration_error()
    {
        await using var receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { RequireTenant = true });
        using var withTenant = new LokiClient(new LokiClientOptions { Url = receiver.PushUrl, TenantId = "team-a" });
        using var withoutTenant = new LokiClient(new LokiClientOptions { Url = receiver.PushUrl });
        var batch = Batch(Stream(Labels(("app", "api")), (Now, "x")));

        var stored = await withTenant.PushAsync(batch);
        var refused = await withoutTenant.PushAsync(batch);

        stored.Outcome.Should().Be(PushOutcome.Success);
        receiver.Streams("team-a").Should().ContainSingle();
        refused.Outcome.Should().Be(PushOutcome.ConfigurationError);
        refused.StatusCode.Should().Be(401);
        refused.Detail.Should().Be("no org id");
    }

    [Fact]
    public async Task Lines_over_the_limit_are_truncated_or_dropped_and_counted_once_answered()
    {
        using var truncating = Client(o => o with { Lines = new LineLimits(MaxLineBytes: 100) });
        using var dropping = Client(o => o with { Lines = new LineLimits(MaxLineBytes: 100, OnLongLine: LongLinePolicy.Drop) });
        var longLine = new string('t', 150);

        var truncated = await truncating.PushAsync(Batch(Stream(Labels(("app", "t")), (Now, longLine))));
        var dropped = await dropping.PushAsync(Batch(Stream(Labels(("app", "d")), (Now, longLine), (Now + 1, "short"))));

        truncated.Outcome.Should().Be(PushOutcome.Success);
        truncated.Truncated.Should().Be(1);
        truncating.Statistics.LinesTruncated.Should().Be(1);
        _receiver.Streams().Single(s => s.LabelValues["app"] == "t").Entries.Single().Line.Should().EndWith("…[truncated 74 bytes]");
        dropped.Outcome.Should().Be(PushOutcome.Rejected, "a line was dropped, though Loki stored the rest");
        dropped.Dropped.Should().Equal(new Dictionary<DropReason, int> { [DropReason.LineTooLong] = 1 });
        dropping.Statistics.Dropped.Should().Contain(DropReason.LineTooLong, 1);
        _receiver.Streams().Single(s => s.LabelValues["app"] == "d").Entries.Single().Line.Should().Be("short");
    }

    [Fact]
    public async Task A_batch_whose_every_line_is_dropped_sends_nothing()
    {
        using var client = Client(o => o with { Lines = new LineLimits(MaxLineBytes: 100, OnLongLine: LongLinePolicy.Drop) });

        var result = await client.PushAsync(Batch(Stream(Labels(("app", "d")), (Now, new string('t', 150)))));

        result.Outcome.Should().Be(PushOutcome.Rejected);
        result.Requests.Should().Be(0);
        _receiver.Statistics.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Metrics_count_requests_by_outcome_bytes_durations_and_drops_by_reason()
    {
        using var meterFactory = new TestMeterFactory();
        using var listener = new MeterListener();
        var measurements = new List<(string Instrument, double Value, string Tags)>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ActorLoki.Loki" && instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
        using var client = Client(o => o with { Lines = new LineLimits(MaxLineBytes: 100, OnLongLine: LongLinePolicy.Drop) }, meters: meterFactory);
        _receiver.Faults.Next(1, LokiFault.Status(429));
        var batch = Batch(Stream(Labels(("app", "api")), (Now, "ok"), (Now + 1, new string('x', 200))));

        await client.PushAsync(batch);
        await client.PushAsync(batch);

        lock (measurements)
        {
            measurements.Where(m => m.Instrument == "actorloki_push_requests").Select(m => m.Tags).Should().Equal("outcome=retryable", "outcome=success");
            measurements.Where(m => m.Instrument == "actorloki_push_request_bytes").Should().HaveCount(2).And.OnlyContain(m => m.Value > 0);
            measurements.Where(m => m.Instrument == "actorloki_push_duration_seconds").Should().HaveCount(2);
            measurements.Where(m => m.Instrument == "actorloki_lines_dropped").Should().ContainSingle().Which.Tags.Should().Be("reason=line_too_long");
        }

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, text));
            }
        }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}

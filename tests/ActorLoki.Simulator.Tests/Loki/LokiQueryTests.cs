using System.Globalization;
using System.Text.Json;
using ActorLoki.Simulator.Loki;
using ActorLoki.Testing;
using static ActorLoki.Simulator.Tests.Loki.Pushes;

namespace ActorLoki.Simulator.Tests.Loki;

public sealed class LokiQueryTests : IAsyncLifetime
{
    private LokiReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await LokiReceiver.StartAsync(new LokiReceiverOptions { Time = new ManualTimeProvider(Start), DiscoverServiceName = [], MaxEntriesLimitPerQuery = 200 });
        var api = Stream("{app=\"api\", namespace=\"dev1\"}", (T0, "GET /a 200"), (T0 + 2, "GET /b 500"), (T0 + 4, "POST /c 201"));
        var db = Stream("{app=\"db\", namespace=\"dev2\"}", (T0 + 1, "checkpoint"), (T0 + 3, "vacuum"));
        var web = Stream("{app=\"web\", namespace=\"prod\"}");
        web.Entries.Add(Entry(T0 + 5, "served", ("pod", "web-1")));
        web.Entries.Add(Entry(T0 + 6, "served again", ("pod", "web-2")));
        (await PostAsync(_receiver.PushUrl, Protobuf(api, db, web))).Status.Should().Be(204);
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<JsonElement> QueryAsync(string query, string extra = "")
    {
        var (status, body) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString(query)}&start={T0 - 1_000_000_000}&end={T0 + 1_000_000_000}{extra}");
        status.Should().Be(200, body);
        var root = JsonDocument.Parse(body).RootElement;
        root.GetProperty("status").GetString().Should().Be("success");
        root.GetProperty("data").GetProperty("resultType").GetString().Should().Be("streams");
        return root.GetProperty("data").GetProperty("result");
    }

    private static List<string> Lines(JsonElement result) =>
        result.EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray().Select(v => v[1].GetString()!)).ToList();

    [Theory]
    [InlineData("{app=\"api\"}", new[] { "GET /a 200", "GET /b 500", "POST /c 201" })]
    [InlineData("{namespace=~\"dev.*\", app!=\"api\"}", new[] { "checkpoint", "vacuum" })]
    [InlineData("{namespace!~\"dev.*\", app=~\".+\"}", new[] { "served", "served again" })]
    [InlineData("{namespace=~\"dev\"}", new string[0])]
    [InlineData("{app=~\"api|db\"} |= \"GET\" != \"500\"", new[] { "GET /a 200" })]
    [InlineData("{app=\"api\"} |~ \"^(POST|GET) /[bc]\"", new[] { "GET /b 500", "POST /c 201" })]
    [InlineData("{ app = `api` , }", new[] { "GET /a 200", "GET /b 500", "POST /c 201" })]
    public async Task Stream_selectors_and_line_filters_select_what_loki_would(string query, string[] lines)
    {
        var result = await QueryAsync(query, "&direction=forward");

        Lines(result).Should().BeEquivalentTo(lines);
    }

    [Fact]
    public async Task Values_are_nanosecond_strings_and_lines_in_the_query_direction()
    {
        var forward = await QueryAsync("{app=\"api\"}", "&direction=forward");
        var backward = await QueryAsync("{app=\"api\"}");

        var stream = forward.EnumerateArray().Single();
        stream.GetProperty("stream").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Should().Equal("app=api", "namespace=dev1");
        stream.GetProperty("values")[0][0].GetString().Should().Be(T0.ToString(CultureInfo.InvariantCulture));
        Lines(forward).Should().Equal("GET /a 200", "GET /b 500", "POST /c 201");
        Lines(backward).Should().Equal("POST /c 201", "GET /b 500", "GET /a 200");
    }

    [Fact]
    public async Task The_limit_keeps_the_first_entries_in_the_query_direction_across_streams()
    {
        var newest = await QueryAsync("{namespace=~\"dev.*\"}", "&limit=2");
        var oldest = await QueryAsync("{namespace=~\"dev.*\"}", "&limit=2&direction=FORWARD");

        Lines(newest).Should().BeEquivalentTo("POST /c 201", "vacuum");
        Lines(oldest).Should().BeEquivalentTo("GET /a 200", "checkpoint");
    }

    [Fact]
    public async Task Start_is_inclusive_and_end_exclusive_in_every_time_format_loki_accepts()
    {
        var startText = GoTime(T0 + 2);
        var (status, body) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString("{app=\"api\"}")}&start={startText}&end={T0 + 4}&direction=forward");
        status.Should().Be(200);
        Lines(JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result")).Should().Equal("GET /b 500");

        var seconds = (T0 / 1_000_000_000).ToString(CultureInfo.InvariantCulture);
        var (secondsStatus, secondsBody) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString("{app=\"api\"}")}&start={seconds}&end={seconds}.001");
        secondsStatus.Should().Be(200);
        Lines(JsonDocument.Parse(secondsBody).RootElement.GetProperty("data").GetProperty("result")).Should().BeEquivalentTo("GET /a 200", "GET /b 500", "POST /c 201");

        static string GoTime(long nanos) => Uri.EscapeDataString(
            DateTimeOffset.UnixEpoch.AddTicks(nanos / 100).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + $".{nanos % 1_000_000_000:D9}+00:00");
    }

    [Fact]
    public async Task Structured_metadata_is_returned_as_labels_of_the_stream_as_loki_does_by_default()
    {
        var result = await QueryAsync("{app=\"web\"}", "&direction=forward");

        result.EnumerateArray().Select(s => s.GetProperty("stream").GetProperty("pod").GetString()).Should().Equal("web-1", "web-2");
    }

    [Theory]
    [InlineData("{namespace!~\"dev.*\"}", "queries require at least one regexp or equality matcher that does not have an empty-compatible value")]
    [InlineData("{app=\"api\"", "parse error")]
    [InlineData("app=\"api\"", "parse error")]
    [InlineData("{app=\"api\"} | json", "parse error")]
    public async Task Queries_it_cannot_answer_get_a_400(string query, string message)
    {
        var (status, body) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString(query)}");

        status.Should().Be(400);
        body.Should().Contain(message);
    }

    [Fact]
    public async Task A_limit_above_the_maximum_and_an_instant_log_query_are_refused_as_loki_does()
    {
        var (limitStatus, limitBody) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString("{app=\"api\"}")}&limit=201");
        var (instantStatus, instantBody) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query?query={Uri.EscapeDataString("{app=\"api\"}")}");

        (limitStatus, limitBody).Should().Be((400, "max entries limit per query exceeded, limit > max_entries_limit_per_query (201 > 200)\n"));
        instantStatus.Should().Be(400);
        instantBody.Should().Contain("log queries are not supported as an instant query type");
    }

    [Fact]
    public async Task Without_start_and_end_the_last_hour_before_now_is_searched()
    {
        var (status, body) = await GetAsync(_receiver.BaseAddress, $"loki/api/v1/query_range?query={Uri.EscapeDataString("{app=\"api\"}")}");

        status.Should().Be(200);
        Lines(JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result")).Should().BeEmpty("the entries are at 'now' and the end is exclusive");
    }
}

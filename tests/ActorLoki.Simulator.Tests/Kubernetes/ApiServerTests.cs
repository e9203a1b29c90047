using System.Net;
using System.Text;
using System.Text.Json;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;

namespace ActorLoki.Simulator.Tests.Kubernetes;

public sealed class ApiServerTests
{
    [Fact]
    public async Task Requests_without_a_valid_token_get_a_401_Status_but_version_is_open()
    {
        await using var api = await RawApi.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = api.Simulator.BaseAddress };

        using var pods = await anonymous.GetAsync("api/v1/namespaces/dev1/pods");
        using var version = await anonymous.GetAsync("version");

        pods.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await pods.Content.ReadAsStringAsync()).Should().Be("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""");
        version.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_rotated_token_keeps_working_for_its_grace_period_only()
    {
        var clock = new ManualTimeProvider();
        await using var api = await RawApi.StartAsync(new KubernetesSimulatorOptions { TimeProvider = clock });
        var old = api.Simulator.Tokens.Current;

        var fresh = api.Simulator.Tokens.Rotate(grace: TimeSpan.FromMinutes(1));

        (await StatusWith(api, old)).Should().Be(HttpStatusCode.OK);
        (await StatusWith(api, fresh)).Should().Be(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromMinutes(1));
        (await StatusWith(api, old)).Should().Be(HttpStatusCode.Unauthorized);
        (await StatusWith(api, fresh)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_watch_from_a_compacted_version_gets_a_410_Status_as_an_ERROR_event()
    {
        await using var api = await RawApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0"));
        var old = api.Cluster.ResourceVersion;
        api.Cluster.CreatePod(new PodSpecification("web-1"));
        api.Cluster.Compact();

        var lines = await api.StreamLinesAsync($"api/v1/namespaces/dev1/pods?watch=true&resourceVersion={old}", _ => false);

        lines.Should().Equal($$$"""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: {{{old}}} ({{{old + 2}}})","reason":"Expired","code":410}}""");
    }

    [Fact]
    public async Task A_watch_without_resource_version_starts_with_the_current_objects_and_bookmarks_carry_the_newest_version()
    {
        await using var api = await RawApi.StartAsync(new KubernetesSimulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(50) });
        api.Cluster.CreatePod(new PodSpecification("web-0"));

        var lines = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods?watch=true&allowWatchBookmarks=true", l => l.Count == 2);

        using var added = JsonDocument.Parse(lines[0]);
        added.RootElement.GetProperty("type").GetString().Should().Be("ADDED");
        added.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString().Should().Be("web-0");
        lines[1].Should().Be("""{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":""" + $"\"{api.Cluster.ResourceVersion}\"" + ""","creationTimestamp":null}}}""");
    }

    [Fact]
    public async Task Log_since_time_skips_each_line_stamped_before_it_even_after_later_lines()
    {
        await using var api = await RawApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0"));
        var t = KubeletTime.ToUnixNanos(new DateTimeOffset(2026, 3, 1, 10, 0, 5, TimeSpan.Zero));
        api.Cluster.WriteLog("dev1", "web-0", "app", "seq=0 before", timestamp: t - 1);
        api.Cluster.WriteLog("dev1", "web-0", "app", "seq=1 at", timestamp: t);
        api.Cluster.WriteLog("dev1", "web-0", "app", "seq=2 stderr, stamped earlier", timestamp: t - 2);
        api.Cluster.WriteLog("dev1", "web-0", "app", "seq=3 after", timestamp: t + 1);

        var lines = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods/web-0/log?timestamps=true&sinceTime=2026-03-01T10:00:05Z", _ => false);
        var plain = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods/web-0/log?sinceTime=2026-03-01T10:00:05Z", _ => false);

        lines.Should().Equal("2026-03-01T10:00:05.000000000Z seq=1 at", "2026-03-01T10:00:05.000000001Z seq=3 after");
        plain.Should().Equal("seq=1 at", "seq=3 after");
    }

    [Fact]
    public async Task kubectl_gets_a_Table_with_the_pod_columns()
    {
        await using var api = await RawApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0") { Containers = ["app", "proxy"] });
        api.Cluster.CreatePod(new PodSpecification("init-pod") { InitContainers = ["migrate", "seed"], Start = false });
        api.Cluster.StartPod("dev1", "init-pod");
        api.Cluster.RestartContainer("dev1", "web-0", "app");

        var table = await api.GetJsonAsync("api/v1/namespaces/dev1/pods?limit=500", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        table.GetProperty("kind").GetString().Should().Be("Table");
        table.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString())
            .Should().StartWith(["Name", "Ready", "Status", "Restarts", "Age"]);
        var rows = table.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("cells").EnumerateArray().Take(4).Select(c => c.ToString()).ToArray()).ToList();
        rows.Should().BeEquivalentTo([new[] { "init-pod", "0/1", "Init:0/2", "0" }, ["web-0", "2/2", "Running", "1"]]);
        table.GetProperty("rows")[0].GetProperty("object").GetProperty("kind").GetString().Should().Be("PartialObjectMetadata");
    }

    [Fact]
    public async Task A_paged_list_returns_a_continue_token_until_the_last_page()
    {
        await using var api = await RawApi.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            api.Cluster.CreatePod(new PodSpecification($"p{i}"));
        }

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await api.GetJsonAsync("api/v1/namespaces/dev1/pods?limit=2" + (next is null ? string.Empty : "&continue=" + Uri.EscapeDataString(next)));
            names.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("metadata").GetProperty("name").GetString()!));
            next = page.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
            pages++;
        }
        while (next is not null);

        names.Should().Equal("p0", "p1", "p2", "p3", "p4");
        pages.Should().Be(3);
    }

    [Fact]
    public async Task A_merge_patch_merges_and_removes_keys_and_other_patch_types_are_refused()
    {
        await using var api = await RawApi.StartAsync();
        using var created = await api.Http.PostAsync("api/v1/namespaces/dev1/configmaps", Json("""{"metadata":{"name":"cm"},"data":{"a":"1","b":"2"}}"""));
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "api/v1/namespaces/dev1/configmaps/cm") { Content = Json("""{"data":{"a":null,"c":"3"}}""", "application/merge-patch+json") };
        using var patched = await api.Http.SendAsync(patch);
        using var jsonPatch = new HttpRequestMessage(HttpMethod.Patch, "api/v1/namespaces/dev1/configmaps/cm") { Content = Json("""[{"op":"remove","path":"/data/b"}]""", "application/json-patch+json") };
        using var refused = await api.Http.SendAsync(jsonPatch);

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        using var body = JsonDocument.Parse(await patched.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("data").ToString().Should().Be("""{"b":"2","c":"3"}""");
        refused.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Only_the_current_and_the_previous_instance_keep_their_logs()
    {
        await using var api = await RawApi.StartAsync();
        var pod = api.Cluster.CreatePod(new PodSpecification("web-0"));
        for (var instance = 0; instance < 3; instance++)
        {
            api.Cluster.WriteLog("dev1", "web-0", "app", $"seq={instance} instance {instance}");
            api.Cluster.RestartContainer("dev1", "web-0", "app");
        }

        var previous = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods/web-0/log?previous=true", _ => false);

        previous.Should().Equal("seq=2 instance 2");
        api.Cluster.Ledger.LinesOf(pod.Uid, "app").Select(l => (l.Stream.Instance, l.State)).Should().Equal(
            (0, LedgerLineState.CollectedUnread), (1, LedgerLineState.CollectedUnread), (2, LedgerLineState.Served));
    }

    [Fact]
    public async Task A_container_in_crash_loop_back_off_serves_its_last_instance_both_ways()
    {
        await using var api = await RawApi.StartAsync();
        api.Cluster.CreatePod(new PodSpecification("web-0"));
        api.Cluster.WriteLog("dev1", "web-0", "app", "seq=0 crashing");
        api.Cluster.RestartContainer("dev1", "web-0", "app", exitCode: 2, backOff: true);

        var current = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods/web-0/log", _ => false);
        var previous = await api.StreamLinesAsync("api/v1/namespaces/dev1/pods/web-0/log?previous=true", _ => false);
        var pod = await api.GetJsonAsync("api/v1/namespaces/dev1/pods/web-0");

        current.Should().Equal("seq=0 crashing");
        previous.Should().Equal("seq=0 crashing");
        var status = pod.GetProperty("status").GetProperty("containerStatuses")[0];
        status.GetProperty("state").GetProperty("waiting").GetProperty("reason").GetString().Should().Be("CrashLoopBackOff");
        status.GetProperty("lastState").GetProperty("terminated").GetProperty("exitCode").GetInt32().Should().Be(2);
        // As the kubelet reports it: in back-off, restartCount, containerID and lastState all name the dead instance.
        status.GetProperty("restartCount").GetInt32().Should().Be(0);
        status.GetProperty("containerID").GetString().Should().Be(status.GetProperty("lastState").GetProperty("terminated").GetProperty("containerID").GetString());
    }

    [Fact]
    public async Task A_denied_verb_gets_the_authorizers_message()
    {
        await using var api = await RawApi.StartAsync();
        api.Simulator.Faults.Deny("create", "leases", "dev1");

        using var response = await api.Http.PostAsync("apis/coordination.k8s.io/v1/namespaces/dev1/leases", Json("""{"metadata":{"name":"l"}}"""));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        status.RootElement.GetProperty("message").GetString().Should().Be(
            "leases.coordination.k8s.io is forbidden: User \"system:serviceaccount:default:actorloki\" cannot create resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"dev1\"");
    }

    private static async Task<HttpStatusCode> StatusWith(RawApi api, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/dev1/pods");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await api.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);
}

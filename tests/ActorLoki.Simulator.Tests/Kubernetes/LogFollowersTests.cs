using System.Net.Http.Headers;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;

namespace ActorLoki.Simulator.Tests.Kubernetes;

/// <summary>
/// The API server's record of who follows which log: real follow requests from clients with their own
/// tokens, on a manual clock so that the recorded instants are exact.
/// </summary>
public sealed class LogFollowersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly List<IDisposable> _open = [];
    private KubernetesSimulator _simulator = null!;

    public async Task InitializeAsync()
    {
        _simulator = await KubernetesSimulator.StartAsync(new KubernetesSimulatorOptions { TimeProvider = _time, Namespace = "dev1" });
        _simulator.Cluster.CreatePod(new PodSpecification("web-0"));
        _simulator.Cluster.CreatePod(new PodSpecification("web-1"));
    }

    public async Task DisposeAsync()
    {
        foreach (var open in _open)
        {
            open.Dispose();
        }

        await _simulator.DisposeAsync();
    }

    private static FollowedStream Web(int i) => new("dev1", $"web-{i}", "app");

    [Fact]
    public async Task Each_follow_request_is_an_interval_of_its_client_from_open_to_close_and_plain_reads_are_not()
    {
        var a = Client("node-a");
        var b = Client("node-b");
        using (var read = await a.GetAsync("api/v1/namespaces/dev1/pods/web-0/log"))
        {
            read.EnsureSuccessStatusCode();
        }

        var followA = await FollowAsync(a, "web-0");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 1);
        _time.Advance(TimeSpan.FromSeconds(5));
        followA.Dispose();
        await UntilAsync(() => _simulator.Followers.Intervals()[0].Closed is not null);
        _time.Advance(TimeSpan.FromSeconds(5));
        await FollowAsync(b, "web-0");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 2);

        _simulator.Followers.Intervals(Web(0)).Should().Equal(
            new FollowInterval(Web(0), "node-a", T0, T0.AddSeconds(5)),
            new FollowInterval(Web(0), "node-b", T0.AddSeconds(10), null));
        _simulator.Followers.Intervals(Web(1)).Should().BeEmpty();
        _simulator.Followers.Overlaps().Should().BeEmpty("node-b started after node-a had ended");
        _simulator.Followers.FollowersAt(T0.AddSeconds(2)).Should().ContainKey(Web(0)).WhoseValue.Should().BeEquivalentTo(["node-a"]);
        _simulator.Followers.FollowersAt(T0.AddSeconds(7)).Should().BeEmpty();
        _simulator.Followers.FollowersAt().Should().ContainKey(Web(0)).WhoseValue.Should().BeEquivalentTo(["node-b"]);
    }

    [Fact]
    public async Task Two_clients_following_one_log_at_once_are_an_overlap_from_the_second_open_to_the_first_close()
    {
        var a = Client("node-a");
        var b = Client("node-b");
        var followA = await FollowAsync(a, "web-0");
        await FollowAsync(a, "web-1");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 2);
        _time.Advance(TimeSpan.FromSeconds(1));
        await FollowAsync(b, "web-0");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 3);
        _time.Advance(TimeSpan.FromSeconds(2));
        followA.Dispose();
        await UntilAsync(() => _simulator.Followers.Intervals(Web(0))[0].Closed is not null);
        _time.Advance(TimeSpan.FromSeconds(2));
        await FollowAsync(a, "web-1");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 4);

        _simulator.Followers.Overlaps().Should().Equal(new FollowOverlap(Web(0), "node-a", "node-b", T0.AddSeconds(1), T0.AddSeconds(3)));
        _simulator.Followers.Overlaps(after: T0.AddSeconds(2)).Should().Equal(new FollowOverlap(Web(0), "node-a", "node-b", T0.AddSeconds(2), T0.AddSeconds(3)));
        _simulator.Followers.Overlaps(after: T0.AddSeconds(3)).Should().BeEmpty("one client following web-1 twice is not two followers");
    }

    [Fact]
    public async Task The_streams_of_a_lost_client_count_as_followed_again_when_another_client_follows_each()
    {
        var a = Client("node-a");
        var b = Client("node-b");
        var lost = new[] { await FollowAsync(a, "web-0"), await FollowAsync(a, "web-1") };
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 2);
        _time.Advance(TimeSpan.FromSeconds(1));
        var lostAt = _time.GetUtcNow();
        foreach (var follow in lost)
        {
            follow.Dispose();
        }

        await UntilAsync(() => _simulator.Followers.Intervals().All(i => i.Closed is not null));
        _time.Advance(TimeSpan.FromSeconds(3));
        await FollowAsync(b, "web-0");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 3);

        var partly = _simulator.Followers.Refollowed("node-a", lostAt);
        partly.Complete.Should().BeFalse();
        partly.Longest.Should().BeNull();
        partly.NotFollowed.Should().Equal(Web(1));
        partly.FollowedAgainAt[Web(0)].Should().Be(lostAt.AddSeconds(3));

        _time.Advance(TimeSpan.FromSeconds(4));
        await FollowAsync(b, "web-1");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 4);

        var all = _simulator.Followers.Refollowed("node-a", lostAt);
        all.Complete.Should().BeTrue();
        all.Longest.Should().Be(TimeSpan.FromSeconds(7));
        _simulator.Followers.Refollowed("node-b", lostAt).FollowedAgainAt.Should().BeEmpty("node-b followed nothing at that instant");
    }

    [Fact]
    public async Task A_follower_that_was_already_following_when_the_client_was_lost_counts_from_that_instant()
    {
        var a = Client("node-a");
        var b = Client("node-b");
        var followA = await FollowAsync(a, "web-0");
        await FollowAsync(b, "web-0");
        await UntilAsync(() => _simulator.Followers.Intervals().Count == 2);
        _time.Advance(TimeSpan.FromSeconds(2));
        var lostAt = _time.GetUtcNow();
        followA.Dispose();
        await UntilAsync(() => _simulator.Followers.Intervals()[0].Closed is not null);

        _simulator.Followers.Refollowed("node-a", lostAt).FollowedAgainAt.Should().Equal(new Dictionary<FollowedStream, DateTimeOffset?> { [Web(0)] = lostAt });
    }

    /// <summary>An HTTP client of its own (its own connections) with a token for <paramref name="user"/>.</summary>
    private HttpClient Client(string user)
    {
        // No draining on dispose: an abandoned follow response closes its connection at once.
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = _simulator.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _simulator.Tokens.Issue(user));
        _open.Add(client);
        return client;
    }

    /// <summary>Opens a follow request and keeps it open until the result is disposed (which closes its connection).</summary>
    private async Task<IDisposable> FollowAsync(HttpClient client, string pod)
    {
        var response = await client.GetAsync($"api/v1/namespaces/dev1/pods/{pod}/log?follow=true", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        _open.Add(response);
        return response;
    }

    /// <summary>Waits for the server to have seen what the client did (a request's start or end), within 10 s.</summary>
    private static async Task UntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, limit.Token);
        }
    }
}

using System.Diagnostics.Metrics;
using ActorLoki.Shipper.Positions;
using ActorLoki.Testing;
using Akka.Actor;
using Akka.TestKit;
using static ActorLoki.Shipper.Positions.StreamOwnership;
using static ActorLoki.Shipper.Tests.Positions.SimulatedPositionsApi;

namespace ActorLoki.Shipper.Tests.Positions;

/// <summary>
/// Nodes of a scaled-out deployment, each its own <see cref="ShardedPositionsKeeper"/>, sharing the positions
/// ConfigMaps of one simulated API server.
/// </summary>
public sealed class ShardedPositionsKeeperTests() : ShipperTestKit(virtualTime: true, loggers: Logs), IAsyncLifetime
{
    private const int ReadFailedEventId = 3102;
    private static readonly CapturingLoggerFactory Logs = new();
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly PositionsKeeperOptions Options = new(SaveInterval, TimeSpan.FromHours(1), "configmap");
    private readonly ShipperMetrics _metrics = new();
    private SimulatedPositionsApi _api = null!;

    public async Task InitializeAsync() => _api = await StartAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _api.DisposeAsync();
        _metrics.Dispose();
    }

    private IActorRef Node(string name, ActorLoki.Kubernetes.KubernetesClient? client = null) =>
        Sys.ActorOf(ShardedPositionsKeeper.Props(client ?? _api.Client, Namespace, BaseName, Shards, Options, _metrics), name);

    private SavedPosition At(string uid, long skip, int instance = 0, string container = "app") => Position(uid, container, instance, skip, Time.GetUtcNow());

    private static async Task AcquireAsync(IActorRef node, TestProbe probe, string uid, string container = "app")
    {
        node.Tell(new AcquireStream(uid, container), probe);
        var acquired = await probe.ExpectMsgAsync<StreamAcquired>(Wait);
        acquired.Should().Be(new StreamAcquired(uid, container, null));
    }

    private Task AcquireAsync(IActorRef node, string uid, string container = "app") => AcquireAsync(node, CreateTestProbe(), uid, container);

    private async Task<StreamReleased> ReleaseAsync(IActorRef node, string uid, bool forget = false, string container = "app")
    {
        var probe = CreateTestProbe();
        node.Tell(new ReleaseStream(uid, container, forget), probe);
        return await probe.ExpectMsgAsync<StreamReleased>(Wait);
    }

    private async Task<PositionsKeeper.Flushed> FlushAsync(IActorRef node)
    {
        var probe = CreateTestProbe();
        node.Tell(PositionsKeeper.Flush.Instance, probe);
        return await probe.ExpectMsgAsync<PositionsKeeper.Flushed>(Wait);
    }

    private async Task<SavedPosition?> GetAsync(IActorRef node, StreamKey key)
    {
        var probe = CreateTestProbe();
        node.Tell(new PositionsKeeper.Get(key), probe);
        return (await probe.ExpectMsgAsync<PositionsKeeper.Current>(c => c.Key == key, Wait)).Position;
    }

    private Task<IReadOnlyList<SavedPosition>> StoredAsync(int shard) =>
        _api.Store.ReadAsync(shard, CancellationToken.None).ContinueWith(t => t.Result.Positions, TaskScheduler.Default);

    private static string ShardName(int shard) => $"{BaseName}-{shard:D2}";

    /// <summary>Two nodes, each following one stream of <paramref name="shard"/>.</summary>
    private async Task<(IActorRef A, IActorRef B, string OnA, string OnB)> TwoNodesOnOneShardAsync(int shard)
    {
        var (onA, onB) = (UidsInShard(shard).First(), UidsInShard(shard).Skip(1).First());
        var (a, b) = (Node("a"), Node("b"));
        await AcquireAsync(a, onA);
        await AcquireAsync(b, onB);
        return (a, b, onA, onB);
    }

    [Fact]
    public async Task Two_nodes_writing_different_streams_of_the_same_shard_at_once_never_lose_each_others_entries()
    {
        var (a, b, mine, theirs) = await TwoNodesOnOneShardAsync(4);

        for (var round = 1; round <= 20; round++)
        {
            a.Tell(new PositionsKeeper.Acknowledged([At(mine, round)]));
            b.Tell(new PositionsKeeper.Acknowledged([At(theirs, round * 10)]));
            var (probeA, probeB) = (CreateTestProbe(), CreateTestProbe());
            a.Tell(PositionsKeeper.Flush.Instance, probeA);
            b.Tell(PositionsKeeper.Flush.Instance, probeB);
            (await probeA.ExpectMsgAsync<PositionsKeeper.Flushed>(Wait)).Should().Be(new PositionsKeeper.Flushed(true, null));
            (await probeB.ExpectMsgAsync<PositionsKeeper.Flushed>(Wait)).Should().Be(new PositionsKeeper.Flushed(true, null));

            (await StoredAsync(4)).Select(p => (p.Key.PodUid, p.Position.Skip)).Should().BeEquivalentTo([(mine, (long)round), (theirs, round * 10L)], $"round {round}");
        }

        // Each round both wrote on the version each saw last, so one of them was stale every time.
        _api.Simulator.Faults.Requests.Count(r => r.StatusCode == 409 && r.PathAndQuery.Contains("/configmaps", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(20);
    }

    [Fact]
    public async Task A_stream_released_by_one_node_resumes_on_the_next_at_exactly_its_last_acknowledged_position()
    {
        var uid = UidsInShard(1).First();
        var (a, b) = (Node("a"), Node("b"));
        await AcquireAsync(a, uid);
        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 5)]));
        await FlushAsync(a);
        var last = At(uid, 9) with { Position = new StreamPosition(1_772_359_300, 3, 1_772_359_301_123_456_789, 0xfeedfacecafebeefUL) };
        a.Tell(new PositionsKeeper.Acknowledged([last]));

        (await ReleaseAsync(a, uid)).Should().Be(new StreamReleased(uid, "app", true, null));
        await AcquireAsync(b, uid);

        (await GetAsync(b, last.Key)).Should().Be(last);
    }

    [Fact]
    public async Task A_node_killed_before_it_saved_leaves_the_next_owner_the_last_saved_position()
    {
        var uid = UidsInShard(1).First();
        var (a, b) = (Node("a"), Node("b"));
        await AcquireAsync(a, uid);
        var saved = At(uid, 5);
        a.Tell(new PositionsKeeper.Acknowledged([saved]));
        await FlushAsync(a);
        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 9)]));
        Watch(a);
        Sys.Stop(a);
        await ExpectTerminatedAsync(a);

        await AcquireAsync(b, uid);

        (await GetAsync(b, saved.Key)).Should().Be(saved, "lines after it are read again, with their kubelet timestamps, and Loki de-duplicates them");
    }

    [Fact]
    public async Task Acknowledgements_after_a_release_are_ignored_and_counted()
    {
        var uid = UidsInShard(1).First();
        var a = Node("a");
        var ignored = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, _metrics.PositionsNotOwned))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref ignored, value));
        listener.Start();
        await AcquireAsync(a, uid);
        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 5)]));
        await ReleaseAsync(a, uid);

        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 6), At(UidsInShard(2).First(), 1)]));

        (await FlushAsync(a)).Saved.Should().BeTrue();
        Interlocked.Read(ref ignored).Should().Be(2);
        (await StoredAsync(1)).Should().ContainSingle().Which.Position.Skip.Should().Be(5);
        a.Tell(PositionsKeeper.GetAll.Instance, TestActor);
        (await ExpectMsgAsync<List<SavedPosition>>()).Should().BeEmpty();
    }

    [Fact]
    public async Task An_acquire_reads_its_shard_afresh_and_sees_what_another_node_wrote_since()
    {
        var (a, b, _, moved) = await TwoNodesOnOneShardAsync(6);
        b.Tell(new PositionsKeeper.Acknowledged([At(moved, 7)]));
        await ReleaseAsync(b, moved);
        var reads = _api.RequestsTo(ShardName(6), "GET").Count;

        await AcquireAsync(a, moved);

        (await GetAsync(a, new StreamKey(moved, "app", 0)))!.Position.Skip.Should().Be(7);
        _api.RequestsTo(ShardName(6), "GET").Should().HaveCount(reads + 1);
    }

    [Fact]
    public async Task A_hundred_streams_of_one_shard_starting_at_once_share_one_read()
    {
        var uids = UidsInShard(5).Take(100).ToList();
        var a = Node("a");
        _api.Simulator.Faults.DelayRequests(TimeSpan.FromMilliseconds(300), ShardName(5));
        var probe = CreateTestProbe();

        foreach (var uid in uids)
        {
            a.Tell(new AcquireStream(uid, "app"), probe);
        }

        var acquired = new List<StreamAcquired>();
        for (var i = 0; i < uids.Count; i++)
        {
            acquired.Add(await probe.ExpectMsgAsync<StreamAcquired>(Wait));
        }

        acquired.Select(m => m.PodUid).Should().BeEquivalentTo(uids);
        acquired.Should().OnlyContain(m => m.Error == null);
        _api.RequestsTo(ShardName(5), "GET").Should().ContainSingle();
    }

    [Fact]
    public async Task A_shard_that_does_not_exist_yet_is_seeded_from_the_single_replica_ConfigMap()
    {
        var legacy = ShardedPositionsStoreTests.RealisticStreams(300);
        await new ConfigMapPositionsStore(_api.Client, Namespace, BaseName).SaveAsync(legacy, CancellationToken.None);
        var store = _api.Store;
        var followed = legacy[17];
        var shard = store.ShardOf(followed.Key.PodUid, followed.Key.Container);
        var a = Node("a");

        await AcquireAsync(a, followed.Key.PodUid, followed.Key.Container);
        (await GetAsync(a, followed.Key)).Should().Be(followed, "the single replica's position is where the node resumes");
        var moved = followed with { Position = followed.Position with { Skip = followed.Position.Skip + 1 } };
        a.Tell(new PositionsKeeper.Acknowledged([moved]));
        await FlushAsync(a);

        var ofShard = legacy.Where(p => store.ShardOf(p.Key.PodUid, p.Key.Container) == shard).ToList();
        (await StoredAsync(shard)).Should().BeEquivalentTo(ofShard.Select(p => p.Key == followed.Key ? moved : p), "the other streams of the shard are kept for their owners");
        (await new ConfigMapPositionsStore(_api.Client, Namespace, BaseName).LoadAsync(CancellationToken.None)).Should().BeEquivalentTo(legacy, "the old ConfigMap is only read");
    }

    [Fact]
    public async Task A_release_with_forget_removes_the_container_s_entries_and_keeps_the_others()
    {
        var (a, b, gone, kept) = await TwoNodesOnOneShardAsync(8);
        a.Tell(new PositionsKeeper.Acknowledged([At(gone, 3, instance: 0), At(gone, 1, instance: 1)]));
        b.Tell(new PositionsKeeper.Acknowledged([At(kept, 4)]));
        await FlushAsync(a);
        await FlushAsync(b);
        (await StoredAsync(8)).Select(p => p.Key).Should().BeEquivalentTo([new StreamKey(gone, "app", 1), new StreamKey(kept, "app", 0)], "instance 1 replaced instance 0");

        (await ReleaseAsync(a, gone, forget: true)).Saved.Should().BeTrue();

        (await StoredAsync(8)).Select(p => p.Key).Should().Equal(new StreamKey(kept, "app", 0));
    }

    [Fact]
    public async Task Each_interval_writes_only_the_shards_whose_owned_positions_changed_one_request_each()
    {
        var (x1, x2) = (UidsInShard(9).First(), UidsInShard(9).Skip(1).First());
        var (y, z) = (UidsInShard(10).First(), UidsInShard(12).First());
        var a = Node("a");
        foreach (var uid in new[] { x1, x2, y, z })
        {
            await AcquireAsync(a, uid);
            a.Tell(new PositionsKeeper.Acknowledged([At(uid, 1)]));
        }

        await FlushAsync(a);
        var before = new[] { 9, 10, 12 }.Select(s => _api.RequestsTo(ShardName(s), "PUT").Count).ToArray();
        a.Tell(new PositionsKeeper.Acknowledged([At(x1, 2), At(x2, 2), At(y, 2)]));

        Scheduler.Advance(SaveInterval);

        await AwaitAssertAsync(async () => (await StoredAsync(10)).Single().Position.Skip.Should().Be(2), Wait);
        (await StoredAsync(9)).Should().OnlyContain(p => p.Position.Skip == 2);
        _api.RequestsTo(ShardName(9), "PUT").Should().HaveCount(before[0] + 1);
        _api.RequestsTo(ShardName(10), "PUT").Should().HaveCount(before[1] + 1);
        _api.RequestsTo(ShardName(12), "PUT").Should().HaveCount(before[2], "nothing of shard 12 changed");
    }

    [Fact]
    public async Task Positions_of_pods_gone_longer_than_the_retention_are_pruned_whether_this_node_owns_them_or_not()
    {
        var (owned, unowned, alive) = (UidsInShard(15).First(), UidsInShard(15).Skip(1).First(), UidsInShard(15).Skip(2).First());
        var (a, b) = (Node("a"), Node("b"));
        await AcquireAsync(b, unowned);
        b.Tell(new PositionsKeeper.Acknowledged([At(unowned, 1)]));
        (await ReleaseAsync(b, unowned)).Saved.Should().BeTrue("released without forget: its pod was still there");
        foreach (var uid in new[] { owned, alive })
        {
            await AcquireAsync(a, uid);
            a.Tell(new PositionsKeeper.Acknowledged([At(uid, 1)]));
        }

        a.Tell(new PositionsKeeper.PodsGone([owned, unowned], Time.GetUtcNow()));
        await FlushAsync(a);
        (await StoredAsync(15)).Should().HaveCount(3, "within the retention every position is kept");

        Scheduler.Advance(Options.Retention + SaveInterval);

        await AwaitAssertAsync(async () => (await StoredAsync(15)).Select(p => p.Key.PodUid).Should().Equal(alive), Wait);
    }

    [Fact]
    public async Task An_unreachable_API_server_during_an_acquire_is_retried_and_the_acquire_and_requests_are_answered_once_it_is_back()
    {
        await using var proxy = new SwitchableProxy(_api.Simulator.BaseAddress);
        using var client = ClientOf(proxy.BaseAddress, _api.Simulator.Tokens.Current);
        var uid = UidsInShard(3).First();
        await new ConfigMapPositionsStore(_api.Client, Namespace, BaseName).SaveAsync([At(uid, 11)], CancellationToken.None);
        var a = Node("a", client);
        var probe = CreateTestProbe();
        var failures = Logs.Entries.Count(e => e.Id.Id == ReadFailedEventId);

        a.Tell(new AcquireStream(uid, "app"), probe);
        a.Tell(new PositionsKeeper.Get(new StreamKey(uid, "app", 0)), probe);

        await AwaitAssertAsync(() => Logs.Entries.Count(e => e.Id.Id == ReadFailedEventId).Should().Be(failures + 1), Wait);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        await AwaitAssertAsync(() => Logs.Entries.Count(e => e.Id.Id == ReadFailedEventId).Should().Be(failures + 2), Wait);
        proxy.Refused.Should().BeGreaterThanOrEqualTo(2);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        proxy.Reachable = true;
        Scheduler.Advance(TimeSpan.FromSeconds(2));

        (await probe.ExpectMsgAsync<StreamAcquired>(Wait)).Error.Should().BeNull();
        (await probe.ExpectMsgAsync<PositionsKeeper.Current>(Wait)).Position!.Position.Skip.Should().Be(11);
    }

    /// <summary>Acquires a stream of <paramref name="shard"/>, saves it once, acknowledges more and releases it while its writes fail.</summary>
    private async Task<(IActorRef Node, TestProbe Probe, string Uid)> ReleaseWhileWritesFailAsync(int shard, int failures)
    {
        var uid = UidsInShard(shard).First();
        var a = Node("a");
        await AcquireAsync(a, uid);
        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 1)]));
        await FlushAsync(a);
        a.Tell(new PositionsKeeper.Acknowledged([At(uid, 2)]));
        _api.Simulator.Faults.FailNextRequests(failures, 503, ShardName(shard));
        var probe = CreateTestProbe();

        a.Tell(new ReleaseStream(uid, "app", false), probe);
        await AwaitAssertAsync(() => _api.Simulator.Faults.Requests.Count(r => r.StatusCode == 503).Should().Be(1), Wait);
        return (a, probe, uid);
    }

    [Fact]
    public async Task A_release_whose_write_keeps_failing_is_answered_with_the_error_within_its_timeout()
    {
        var (a, probe, _) = await ReleaseWhileWritesFailAsync(13, failures: 1_000);
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        Scheduler.Advance(ShardedPositionsKeeper.ReleaseTimeout);

        var released = await probe.ExpectMsgAsync<StreamReleased>(Wait);
        released.Saved.Should().BeFalse();
        released.Error.Should().NotBeNull();
        a.Tell(PositionsKeeper.GetAll.Instance, TestActor);
        (await ExpectMsgAsync<List<SavedPosition>>()).Should().BeEmpty("after its release the node no longer writes the stream");
    }

    [Fact]
    public async Task A_release_is_answered_once_a_retried_write_succeeds()
    {
        var (_, probe, uid) = await ReleaseWhileWritesFailAsync(14, failures: 1);

        Scheduler.Advance(TimeSpan.FromMilliseconds(500));

        (await probe.ExpectMsgAsync<StreamReleased>(Wait)).Should().Be(new StreamReleased(uid, "app", true, null));
        (await StoredAsync(14)).Single().Position.Skip.Should().Be(2);
    }
}

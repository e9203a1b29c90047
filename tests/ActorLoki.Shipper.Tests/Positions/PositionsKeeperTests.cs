using Akka.Actor;
using ActorLoki.Shipper.Positions;
using ActorLoki.Testing;

namespace ActorLoki.Shipper.Tests.Positions;

public sealed class PositionsKeeperTests() : ShipperTestKit(virtualTime: true, loggers: Logs)
{
    private const int LoadFailedEventId = 3002;
    private static readonly CapturingLoggerFactory Logs = new();
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);
    private readonly ShipperMetrics _metrics = new();

    private static SavedPosition Position(string uid, string container, int instance, long skip, DateTimeOffset at, string ns = "dev1") =>
        new(new StreamKey(uid, container, instance), ns, "pod-" + uid, new StreamPosition(1_772_359_200, skip, 1_772_359_200_000_000_001, 42), at);

    private IActorRef StartKeeper(IPositionsStore store) =>
        Sys.ActorOf(PositionsKeeper.Props(store, new PositionsKeeperOptions(SaveInterval, Retention, "memory"), _metrics), "positions");

    private async Task<SavedPosition?> GetAsync(IActorRef keeper, StreamKey key)
    {
        keeper.Tell(new PositionsKeeper.Get(key), TestActor);
        return (await ExpectMsgAsync<PositionsKeeper.Current>(c => c.Key == key)).Position;
    }

    [Fact]
    public async Task It_answers_with_the_positions_it_loaded()
    {
        var store = new MemoryPositionsStore();
        var saved = Position("u1", "app", 0, 7, Time.GetUtcNow());
        await store.SaveAsync([saved], CancellationToken.None);

        var keeper = StartKeeper(store);

        (await GetAsync(keeper, saved.Key)).Should().Be(saved);
        (await GetAsync(keeper, new StreamKey("other", "app", 0))).Should().BeNull();
    }

    [Fact]
    public async Task Acknowledged_positions_are_saved_at_the_next_interval_and_not_before()
    {
        var store = new MemoryPositionsStore();
        var keeper = StartKeeper(store);
        var acked = Position("u1", "app", 0, 3, Time.GetUtcNow());

        keeper.Tell(new PositionsKeeper.Acknowledged([acked]));
        (await GetAsync(keeper, acked.Key)).Should().Be(acked);
        store.Saves.Should().Be(0);

        Scheduler.Advance(SaveInterval);

        await AwaitAssertAsync(() => store.Saves.Should().Be(1));
        (await store.LoadAsync(CancellationToken.None)).Should().Equal(acked);

        Scheduler.Advance(SaveInterval);
        keeper.Tell(PositionsKeeper.Flush.Instance, TestActor);
        (await ExpectMsgAsync<PositionsKeeper.Flushed>()).Saved.Should().BeTrue();
        store.Saves.Should().Be(1, "nothing changed since the last save");
    }

    [Fact]
    public async Task Asking_for_an_instance_answers_with_the_newest_saved_one_not_after_it()
    {
        var store = new MemoryPositionsStore();
        var older = Position("u1", "app", 2, 9, Time.GetUtcNow());
        await store.SaveAsync([older], CancellationToken.None);
        var keeper = StartKeeper(store);

        (await GetAsync(keeper, new StreamKey("u1", "app", 4))).Should().Be(older, "instance 2 was not finished");
        (await GetAsync(keeper, new StreamKey("u1", "app", 1))).Should().BeNull();
    }

    [Fact]
    public async Task A_newer_instance_of_a_container_replaces_the_older_ones()
    {
        var store = new MemoryPositionsStore();
        var keeper = StartKeeper(store);
        var now = Time.GetUtcNow();

        keeper.Tell(new PositionsKeeper.Acknowledged([Position("u1", "app", 0, 1, now), Position("u1", "app", 1, 1, now)]));
        keeper.Tell(new PositionsKeeper.Acknowledged([Position("u1", "app", 2, 5, now), Position("u1", "sidecar", 0, 1, now)]));

        keeper.Tell(PositionsKeeper.GetAll.Instance, TestActor);
        var all = await ExpectMsgAsync<List<SavedPosition>>();
        all.Select(p => p.Key).Should().BeEquivalentTo([new StreamKey("u1", "app", 2), new StreamKey("u1", "sidecar", 0)]);
    }

    [Fact]
    public async Task Positions_of_pods_gone_longer_than_the_retention_are_forgotten()
    {
        var store = new MemoryPositionsStore();
        var now = Time.GetUtcNow();
        await store.SaveAsync([Position("gone", "app", 0, 1, now), Position("kept", "app", 0, 1, now), Position("other-ns", "app", 0, 1, now, "dev2")], CancellationToken.None);
        var keeper = StartKeeper(store);

        keeper.Tell(new PositionsKeeper.PodsListed("dev1", ["kept"]));
        await GetAsync(keeper, new StreamKey("gone", "app", 0)); // handled in order: the list is taken in at `now`
        Scheduler.Advance(Retention - SaveInterval);
        await GetAsync(keeper, new StreamKey("gone", "app", 0));
        (await store.LoadAsync(CancellationToken.None)).Should().HaveCount(3);

        Scheduler.Advance(SaveInterval * 2);

        await AwaitAssertAsync(async () =>
            (await store.LoadAsync(CancellationToken.None)).Select(p => p.Key.PodUid).Should().BeEquivalentTo(["kept", "other-ns"]));
    }

    [Fact]
    public async Task A_late_acknowledgement_does_not_bring_a_gone_pod_back()
    {
        var store = new MemoryPositionsStore();
        var keeper = StartKeeper(store);
        var now = Time.GetUtcNow();
        keeper.Tell(new PositionsKeeper.Acknowledged([Position("u1", "app", 0, 1, now)]));
        keeper.Tell(new PositionsKeeper.PodsGone(["u1"], now));

        keeper.Tell(new PositionsKeeper.Acknowledged([Position("u1", "app", 0, 2, now)]));

        (await GetAsync(keeper, new StreamKey("u1", "app", 0)))!.PodGoneAt.Should().Be(now);
    }

    [Fact]
    public async Task A_pod_listed_again_is_no_longer_gone()
    {
        var store = new MemoryPositionsStore();
        var now = Time.GetUtcNow();
        await store.SaveAsync([Position("back", "app", 0, 1, now)], CancellationToken.None);
        var keeper = StartKeeper(store);

        keeper.Tell(new PositionsKeeper.PodsGone(["back"], now));
        keeper.Tell(new PositionsKeeper.PodsListed("dev1", ["back"]));
        await GetAsync(keeper, new StreamKey("back", "app", 0));
        Scheduler.Advance(Retention + SaveInterval);

        await AwaitAssertAsync(async () => (await store.LoadAsync(CancellationToken.None)).Single().PodGoneAt.Should().BeNull());
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_is_retried_and_requests_wait_for_it()
    {
        var store = new FlakyStore(failures: 2);
        var keeper = StartKeeper(store);
        var key = new StreamKey("u1", "app", 0);

        keeper.Tell(new PositionsKeeper.Get(key), TestActor);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await AwaitAssertAsync(() => store.Loads.Should().Be(1));

        // Each failure arms a retry timer (logged as it is armed): 1 s, then 2 s, never sooner.
        await AwaitAssertAsync(() => Logs.Entries.Count(e => e.Id.Id == LoadFailedEventId).Should().Be(1));
        Scheduler.Advance(TimeSpan.FromMilliseconds(999));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        store.Loads.Should().Be(1);
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));
        await AwaitAssertAsync(() => store.Loads.Should().Be(2));
        await AwaitAssertAsync(() => Logs.Entries.Count(e => e.Id.Id == LoadFailedEventId).Should().Be(2));
        Scheduler.Advance(TimeSpan.FromMilliseconds(1999));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        store.Loads.Should().Be(2);
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));

        (await ExpectMsgAsync<PositionsKeeper.Current>()).Position.Should().NotBeNull();
        store.Loads.Should().Be(3);
    }

    [Fact]
    public async Task A_failed_save_is_counted_and_retried_at_the_next_interval()
    {
        var store = new FlakyStore(failures: 0, saveFailures: 1);
        var keeper = StartKeeper(store);
        keeper.Tell(new PositionsKeeper.Acknowledged([Position("u1", "app", 0, 2, Time.GetUtcNow())]));

        keeper.Tell(PositionsKeeper.Flush.Instance, TestActor);
        (await ExpectMsgAsync<PositionsKeeper.Flushed>()).Error.Should().BeOfType<IOException>();

        Scheduler.Advance(SaveInterval);
        await AwaitAssertAsync(() => store.Saved.Should().HaveCount(1));
    }

    /// <summary>A store that fails its first loads and saves, like an API server that is not reachable yet.</summary>
    private sealed class FlakyStore(int failures, int saveFailures = 0) : IPositionsStore
    {
        private int _loads;
        private int _saves;

        public int Loads => Volatile.Read(ref _loads);

        public IReadOnlyList<SavedPosition> Saved { get; private set; } = [];

        public string Description => "flaky";

        public Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _loads) <= failures
                ? Task.FromException<IReadOnlyList<SavedPosition>>(new HttpRequestException("connection refused"))
                : Task.FromResult<IReadOnlyList<SavedPosition>>([Position("u1", "app", 0, 1, DateTimeOffset.UnixEpoch)]);

        public Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _saves) <= saveFailures)
            {
                return Task.FromException(new IOException("disk full"));
            }

            Saved = positions;
            return Task.CompletedTask;
        }
    }
}

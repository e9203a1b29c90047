using System.Globalization;
using System.Text;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Positions;
using k8s.Models;
using Xunit.Abstractions;

namespace ActorLoki.Shipper.Tests.Positions;

public sealed class ShardedPositionsStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private SimulatedPositionsApi _api = null!;

    public async Task InitializeAsync() => _api = await SimulatedPositionsApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Ten_thousand_realistic_streams_over_32_shards_stay_well_under_a_ConfigMap_s_limit()
    {
        var streams = RealisticStreams(10_000);
        var store = _api.Store;

        var largest = 0;
        var largestObject = 0;
        var mostStreams = 0;
        foreach (var shard in streams.GroupBy(p => store.ShardOf(p.Key.PodUid, p.Key.Container)))
        {
            var basis = await store.ReadAsync(shard.Key, CancellationToken.None);
            var written = await store.WriteAsync(basis, _ => [.. shard], CancellationToken.None);
            written.Positions.Should().HaveCount(shard.Count());
            mostStreams = Math.Max(mostStreams, shard.Count());

            // What the API server counts against the 1 MiB limit is the data; the object as sent is a little more.
            var configMap = await _api.Client.GetConfigMapAsync(SimulatedPositionsApi.Namespace, store.NameOf(shard.Key));
            largest = Math.Max(largest, Encoding.UTF8.GetByteCount(configMap.Data[PositionsConfigMap.DataKey]));
            largestObject = Math.Max(largestObject, Encoding.UTF8.GetByteCount(k8s.KubernetesJson.Serialize(configMap)));
        }

        (await Task.WhenAll(Enumerable.Range(0, 32).Select(s => store.ReadAsync(s, CancellationToken.None)))).Sum(s => s.Positions.Count).Should().Be(10_000);
        output.WriteLine($"10,000 streams over 32 shards: largest positions document {largest} bytes, largest ConfigMap as JSON {largestObject} bytes ({streams.Count / 32} streams per shard on average, {mostStreams} in the fullest)");
        largest.Should().BeLessThan(256 * 1024, "a quarter of the limit leaves room for skewed shards and longer names");
    }

    [Fact]
    public async Task A_shard_too_large_for_a_ConfigMap_is_refused_with_an_error_naming_it_and_what_to_do()
    {
        var store = _api.Store;
        var crowded = RealisticStreams(8_000);
        var basis = await store.ReadAsync(5, CancellationToken.None);

        var write = () => store.WriteAsync(basis, _ => crowded, CancellationToken.None);

        (await write.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"configmap dev1/actorloki-positions-05: 8000 positions take * bytes, more than a ConfigMap holds (1 MiB); 32 shards are too few*raise the shard count*");
        (await _api.Client.TryGetConfigMapAsync(SimulatedPositionsApi.Namespace, "actorloki-positions-05")).Should().BeNull();
    }

    [Fact]
    public async Task Shard_ConfigMaps_are_named_and_labelled_by_their_shard()
    {
        var store = _api.Store;
        var uid = SimulatedPositionsApi.UidsInShard(7).First();

        await store.WriteAsync(await store.ReadAsync(7, CancellationToken.None), _ => [SimulatedPositionsApi.Position(uid, "app", 0, 1, Now)], CancellationToken.None);

        var configMap = await _api.Client.GetConfigMapAsync(SimulatedPositionsApi.Namespace, "actorloki-positions-07");
        configMap.Metadata.Labels.Should().Contain(ShardedConfigMapPositionsStore.ShardLabel, "7").And.Contain("app.kubernetes.io/component", "positions");
        new ShardedConfigMapPositionsStore(_api.Client, "dev1", "p", 256).NameOf(7).Should().Be("p-007");
    }

    [Fact]
    public async Task A_write_on_a_stale_version_reads_again_and_keeps_the_other_writer_s_entries()
    {
        var store = _api.Store;
        var (mine, theirs) = (SimulatedPositionsApi.UidsInShard(3).First(), SimulatedPositionsApi.UidsInShard(3).Skip(1).First());
        var stale = await store.WriteAsync(await store.ReadAsync(3, CancellationToken.None), _ => [], CancellationToken.None);
        await store.WriteAsync(stale, _ => [SimulatedPositionsApi.Position(theirs, "app", 0, 4, Now)], CancellationToken.None);

        var written = await store.WriteAsync(stale, fresh => [.. fresh.Where(p => p.Key.PodUid != mine), SimulatedPositionsApi.Position(mine, "app", 0, 9, Now)], CancellationToken.None);

        written.Positions.Select(p => (p.Key.PodUid, p.Position.Skip)).Should().BeEquivalentTo([(theirs, 4L), (mine, 9L)]);
        (await store.ReadAsync(3, CancellationToken.None)).Positions.Should().BeEquivalentTo(written.Positions);
        _api.RequestsTo("actorloki-positions-03", "PUT").Select(r => r.StatusCode).Should().Equal(200, 409, 200);
    }

    [Fact]
    public async Task A_missing_shard_is_seeded_from_the_entries_of_that_shard_in_the_single_replica_ConfigMap()
    {
        var legacy = RealisticStreams(300);
        await new ConfigMapPositionsStore(_api.Client, SimulatedPositionsApi.Namespace, SimulatedPositionsApi.BaseName).SaveAsync(legacy, CancellationToken.None);
        var store = _api.Store;

        var read = await store.ReadAsync(11, CancellationToken.None);

        read.MigratedFrom.Should().Be(SimulatedPositionsApi.BaseName);
        read.ResourceVersion.Should().BeNull("the shard's ConfigMap does not exist yet");
        read.Positions.Should().BeEquivalentTo(legacy.Where(p => StreamShards.ShardOf(p.Key.PodUid, p.Key.Container, 32) == 11)).And.NotBeEmpty();
    }

    [Fact]
    public async Task Corrupt_shard_content_is_set_aside_and_overwritten_by_the_next_write()
    {
        await _api.Client.CreateConfigMapAsync(SimulatedPositionsApi.Namespace, new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "actorloki-positions-02" },
            Data = new Dictionary<string, string> { [PositionsConfigMap.DataKey] = "{ torn" },
        });
        var store = _api.Store;

        var read = await store.ReadAsync(2, CancellationToken.None);
        read.Corrupt.Should().NotBeNull();
        read.Corrupt!.Message.Should().StartWith("configmap dev1/actorloki-positions-02: ");
        read.Positions.Should().BeEmpty();

        var uid = SimulatedPositionsApi.UidsInShard(2).First();
        await store.WriteAsync(read, fresh => [.. fresh, SimulatedPositionsApi.Position(uid, "app", 0, 1, Now)], CancellationToken.None);
        var again = await store.ReadAsync(2, CancellationToken.None);
        again.Corrupt.Should().BeNull();
        again.Positions.Should().ContainSingle().Which.Key.PodUid.Should().Be(uid);
    }

    /// <summary>
    /// Streams as a busy namespace has them: 36-character UIDs, namespace and pod names of about 40 characters,
    /// 2 to 4 containers a pod with the names real workloads use, restarted instances, containerd IDs.
    /// </summary>
    internal static List<SavedPosition> RealisticStreams(int count)
    {
        string[] containers = ["checkout-api", "istio-proxy", "otel-collector-agent", "fluent-bit-forwarder", "migrations", "vault-agent-sidecar"];
        var random = new Random(16);
        var result = new List<SavedPosition>(count);
        for (var pod = 0; result.Count < count; pod++)
        {
            var uid = new Guid(pod, (short)random.Next(), (short)random.Next(), [.. Enumerable.Range(0, 8).Select(_ => (byte)random.Next(256))]).ToString();
            var ns = "team-payments-checkout-prod-eu-west-" + (pod % 3).ToString(CultureInfo.InvariantCulture) + "a";
            var name = $"checkout-api-server-canary-7d9f8b6c5d-{pod:x5}";
            foreach (var container in containers.Take(2 + (pod % 3)))
            {
                if (result.Count == count)
                {
                    break;
                }

                var seconds = 1_764_756_000L + random.Next(86_400);
                var id = "containerd://" + Convert.ToHexStringLower([.. Enumerable.Range(0, 32).Select(_ => (byte)random.Next(256))]);
                result.Add(new SavedPosition(
                    new StreamKey(uid, container, random.Next(6)),
                    ns,
                    name,
                    new StreamPosition(seconds - 2, random.Next(1, 40_000), seconds * 1_000_000_000 + random.Next(999_999_999), (ulong)random.NextInt64()),
                    Now.AddMilliseconds(-random.Next(3_600_000)),
                    pod % 50 == 0 ? Now.AddMinutes(-random.Next(60)) : null,
                    id));
            }
        }

        return result;
    }
}

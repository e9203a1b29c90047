using ActorLoki.Shipper.Cluster;
using FluentAssertions;
using Xunit;

namespace ActorLoki.Shipper.Tests.Cluster;

public sealed class StreamShardsTests
{
    [Fact]
    public void A_container_maps_to_the_same_shard_in_every_process()
    {
        // Known values: a change of the hash would move every stored position to another ConfigMap.
        StreamShards.ShardOf("", 1000).Should().Be((int)(2166136261u % 1000));
        StreamShards.ShardOf("3f2a9c1e-0000-4000-8000-000000000001", "app", 32)
            .Should().Be(StreamShards.ShardOf(StreamShards.EntityId("3f2a9c1e-0000-4000-8000-000000000001", "app"), 32));
    }

    [Fact]
    public void Streams_spread_over_every_shard()
    {
        var counts = new int[32];
        for (var i = 0; i < 10_000; i++)
        {
            counts[StreamShards.ShardOf(Guid.NewGuid().ToString(), "app", 32)]++;
        }

        counts.Should().OnlyContain(c => c > 200 && c < 450, "10,000 streams over 32 shards average 312");
    }

    [Fact]
    public void A_long_container_name_is_hashed_like_a_short_one()
    {
        var name = new string('c', 300);
        StreamShards.ShardOf("uid", name, 7).Should().BeInRange(0, 6);
    }
}

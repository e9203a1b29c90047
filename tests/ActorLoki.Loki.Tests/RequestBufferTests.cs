using ActorLoki.Loki;
using ActorLoki.Loki.Wire;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

/// <summary>Runs alone: the kept body buffers are process-wide, and parallel pushes of other tests would take them.</summary>
[CollectionDefinition(nameof(RequestBufferTests), DisableParallelization = true)]
public sealed class RequestBufferCollection;

[Collection(nameof(RequestBufferTests))]
public sealed class RequestBufferTests
{
    [Fact]
    public void A_large_request_body_is_encoded_into_kept_buffers_and_the_next_one_allocates_none()
    {
        // Under a memory limit the shared array pool drops its buffers exactly when a new multi-MiB array cannot
        // be had; request bodies therefore keep their own. The first encoding may allocate them, the next must not.
        var line = new string('x', 200);
        var batch = Batch(Stream(Labels(("app", "a")), Enumerable.Range(0, 10_000).Select(i => ((long)i + 1, line)).ToArray()));
        var plan = Plan(batch);
        EncodedRequest.Encode(plan, PushFormat.Protobuf, false, LineLimits.Default).Dispose();

        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var request = EncodedRequest.Encode(plan, PushFormat.Protobuf, false, LineLimits.Default))
        {
            request.UncompressedBytes.Should().BeGreaterThan(2_000_000);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().BeLessThan(64 * 1024, "the 2 MiB body and its compressed copy reuse the kept buffers");
    }

    [Fact]
    public void Only_the_two_largest_buffers_are_kept()
    {
        // Start from none kept: the buffers are process-wide and other tests' large requests leave theirs behind.
        while (PooledBytes.LargeBuffers.HeldBytes > 0)
        {
            PooledBytes.LargeBuffers.Rent(1);
        }

        var buffers = Enumerable.Range(1, 4).Select(mib => PooledBytes.LargeBuffers.Rent((mib * 1024 * 1024) - 5)).ToList();
        buffers.Select(b => b.Length).Should().Equal(1 << 20, 2 << 20, 3 << 20, 4 << 20);

        buffers.ForEach(PooledBytes.LargeBuffers.Return);

        PooledBytes.LargeBuffers.HeldBytes.Should().Be(7L << 20, "the 3 and 4 MiB buffers serve every smaller request");
        PooledBytes.LargeBuffers.Rent(100_000).Length.Should().Be(3 << 20, "the smallest kept buffer that fits is handed out");
        PooledBytes.LargeBuffers.Rent(100_000).Length.Should().Be(4 << 20);
        PooledBytes.LargeBuffers.Rent(100_000).Length.Should().Be(128 * 1024, "with none kept a new one is allocated, rounded to a power of two");
    }
}

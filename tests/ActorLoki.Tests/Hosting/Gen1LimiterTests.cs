using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ActorLoki.Hosting;

namespace ActorLoki.Tests.Hosting;

public sealed class Gen1LimiterTests
{
    private const long MiB = 1 << 20;

    [Theory]
    [InlineData(52, 8, true)]
    [InlineData(8, 8, true)]
    [InlineData(7, 8, false)]
    [InlineData(52, 0, false)] // 0: left to the runtime
    public void Gen1_is_over_the_limit_when_it_holds_the_limit_or_more(long gen1MiB, long limitMiB, bool expected) =>
        Gen1Limiter.IsOver(gen1MiB * MiB, limitMiB * MiB).Should().Be(expected);

    [Fact]
    public void Objects_piled_up_in_gen1_are_collected_once_gen1_is_over_the_limit()
    {
        using var meter = new Meter("test.gen1-limiter");
        var collections = meter.CreateCounter<long>("collections");
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument == collections)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        var limiter = new Gen1Limiter(16 * MiB, TimeProvider.System, collections);

        var gen1Before = GC.CollectionCount(1);
        PromoteToGen1(48 * MiB);
        GC.GetGCMemoryInfo(GCKind.Any).GenerationInfo[1].SizeAfterBytes.Should().BeGreaterThanOrEqualTo(16 * MiB, "the test's objects are in gen1");

        limiter.Check().Should().BeTrue();
        GC.CollectionCount(1).Should().BeGreaterThan(gen1Before);
        Interlocked.Read(ref counted).Should().Be(1);
    }

    /// <summary>Allocates objects and moves them to gen1 with one gen0 collection, then drops them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PromoteToGen1(long bytes)
    {
        var keep = new List<byte[]>();
        for (long allocated = 0; allocated < bytes; allocated += 8 * 1024)
        {
            keep.Add(new byte[8 * 1024]);
        }

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.KeepAlive(keep);
    }
}

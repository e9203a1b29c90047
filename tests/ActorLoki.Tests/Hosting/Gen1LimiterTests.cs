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
    public void Gen1_over_the_limit_is_collected_and_counted_and_under_it_is_left_alone()
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

        // Objects kept alive through a gen0 collection are in gen1 (the runtime may collect more meanwhile: the
        // limits here are one byte, over which gen1 always is, and no limit at all).
        var kept = PromoteToGen1(4 * MiB);
        new Gen1Limiter(0, TimeProvider.System, collections).Check().Should().BeFalse("a limit of 0 leaves gen1 to the runtime");
        var gen1Before = GC.CollectionCount(1);

        new Gen1Limiter(1, TimeProvider.System, collections).Check().Should().BeTrue();

        GC.CollectionCount(1).Should().BeGreaterThan(gen1Before);
        Interlocked.Read(ref counted).Should().Be(1);
        GC.KeepAlive(kept);
    }

    /// <summary>Allocates objects and moves them to gen1 with one gen0 collection.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<byte[]> PromoteToGen1(long bytes)
    {
        var keep = new List<byte[]>();
        for (long allocated = 0; allocated < bytes; allocated += 8 * 1024)
        {
            keep.Add(new byte[8 * 1024]);
        }

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        return keep;
    }
}

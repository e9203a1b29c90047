using ActorLoki.Testing;

namespace ActorLoki.Actors.Tests;

public sealed class ManualTimeProviderTests
{
    [Fact]
    public void A_single_timer_fires_once_when_time_passes_its_due_time()
    {
        var time = new ManualTimeProvider();
        var fired = new List<DateTimeOffset>();
        using var timer = time.CreateTimer(_ => fired.Add(time.GetUtcNow()), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        var start = time.GetUtcNow();

        time.Advance(TimeSpan.FromSeconds(4));
        fired.Should().BeEmpty();

        time.Advance(TimeSpan.FromSeconds(10));
        fired.Should().Equal(start + TimeSpan.FromSeconds(5));
        time.ActiveTimers.Should().Be(0);
    }

    [Fact]
    public void A_periodic_timer_fires_at_each_period_with_the_clock_at_its_due_time()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var fired = new List<TimeSpan>();
        using var timer = time.CreateTimer(_ => fired.Add(time.GetUtcNow() - start), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        time.Advance(TimeSpan.FromSeconds(6));

        fired.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        time.GetUtcNow().Should().Be(start + TimeSpan.FromSeconds(6));
    }

    [Fact]
    public void Timers_fire_in_due_order_and_a_disposed_timer_never_fires()
    {
        var time = new ManualTimeProvider();
        var fired = new List<string>();
        using var late = time.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = time.CreateTimer(_ => fired.Add("early"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        var cancelled = time.CreateTimer(_ => fired.Add("cancelled"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        cancelled.Dispose();

        time.Advance(TimeSpan.FromSeconds(5));

        fired.Should().Equal("early", "late");
    }

    [Fact]
    public void Change_rearms_a_timer_relative_to_the_current_time()
    {
        var time = new ManualTimeProvider();
        var count = 0;
        using var timer = time.CreateTimer(_ => count++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(10));
        count.Should().Be(0);

        timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        time.NextDue.Should().Be(time.GetUtcNow() + TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        count.Should().Be(1);
    }

    [Fact]
    public void Timestamps_advance_with_the_clock()
    {
        var time = new ManualTimeProvider();
        var before = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(1500));

        time.GetElapsedTime(before).Should().Be(TimeSpan.FromMilliseconds(1500));
    }
}

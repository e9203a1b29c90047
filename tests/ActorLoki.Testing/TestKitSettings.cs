using System.Globalization;

namespace ActorLoki.Testing;

/// <summary>
/// Timeouts of the TestKit. Every wait is multiplied by the time factor from
/// <c>ACTORLOKI_TEST_TIME_FACTOR</c> (default 1), so a slow CI machine can stretch them without code changes.
/// </summary>
public static class TestKitSettings
{
    public const string TimeFactorVariable = "ACTORLOKI_TEST_TIME_FACTOR";

    public static double TimeFactor { get; } = ReadTimeFactor();

    /// <summary>Default time to wait for an expected message (3 s, dilated).</summary>
    public static TimeSpan DefaultTimeout => Dilated(TimeSpan.FromSeconds(3));

    /// <summary>Default quiet period of ExpectNoMsgAsync (200 ms, dilated).</summary>
    public static TimeSpan DefaultNoMessageDuration => Dilated(TimeSpan.FromMilliseconds(200));

    public static TimeSpan Dilated(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TimeFactor));

    private static double ReadTimeFactor()
    {
        var text = Environment.GetEnvironmentVariable(TimeFactorVariable);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0 ? factor : 1.0;
    }
}

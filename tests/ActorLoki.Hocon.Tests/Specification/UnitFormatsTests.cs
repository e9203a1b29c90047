using System.Globalization;
using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Units format", "Duration format" and "Size in bytes format".</summary>
public sealed class UnitFormatsTests
{
    public static TheoryData<string, long> Durations => new()
    {
        { "500", 500 * TimeSpan.TicksPerMillisecond },
        { "1500ns", 15 },
        { "3us", 30 },
        { "250ms", 250 * TimeSpan.TicksPerMillisecond },
        { "1.5s", 15 * TimeSpan.TicksPerSecond / 10 },
        { "2 seconds", 2 * TimeSpan.TicksPerSecond },
        { "1 second", TimeSpan.TicksPerSecond },
        { "5m", 5 * TimeSpan.TicksPerMinute },
        { "10 minutes", 10 * TimeSpan.TicksPerMinute },
        { "1h", TimeSpan.TicksPerHour },
        { "2 hours", 2 * TimeSpan.TicksPerHour },
        { "1d", TimeSpan.TicksPerDay },
        { "7 days", 7 * TimeSpan.TicksPerDay },
        { "  42 millis  ", 42 * TimeSpan.TicksPerMillisecond },
        { "1e3ms", TimeSpan.TicksPerSecond },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Durations_parse_with_every_unit(string text, long ticks)
    {
        HoconUnits.TryParseDuration(text, out var value).Should().BeTrue();
        value.Ticks.Should().Be(ticks);
    }

    [Fact]
    public void Infinite_is_the_infinite_timespan()
    {
        HoconUnits.TryParseDuration("infinite", out var value).Should().BeTrue();
        value.Should().Be(Timeout.InfiniteTimeSpan);
    }

    [Theory]
    [InlineData("1S")]
    [InlineData("1 sec")]
    [InlineData("1 s s")]
    [InlineData("s")]
    [InlineData("1,5s")]
    [InlineData("")]
    [InlineData("1h30m")]
    [InlineData("99999999999999999999d")]
    public void Malformed_durations_are_rejected(string text) =>
        HoconUnits.TryParseDuration(text, out _).Should().BeFalse();

    public static TheoryData<string, long> Sizes => new()
    {
        { "4096", 4096 },
        { "10B", 10 },
        { "10 bytes", 10 },
        { "1K", 1024 },
        { "1k", 1024 },
        { "1Ki", 1024 },
        { "1KiB", 1024 },
        { "2 kibibytes", 2048 },
        { "1kB", 1000 },
        { "1 kilobyte", 1000 },
        { "1M", 1 << 20 },
        { "1Mi", 1 << 20 },
        { "1MiB", 1 << 20 },
        { "1MB", 1_000_000 },
        { "1.5MiB", 3 << 19 },
        { "1G", 1L << 30 },
        { "1GiB", 1L << 30 },
        { "1GB", 1_000_000_000 },
        { "1T", 1L << 40 },
        { "1TiB", 1L << 40 },
        { "1TB", 1_000_000_000_000 },
        { "1PiB", 1L << 50 },
        { "1EiB", 1L << 60 },
        { "512 KiB", 512 * 1024 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Sizes_parse_in_powers_of_two_and_ten(string text, long bytes)
    {
        HoconUnits.TryParseByteSize(text, out var value).Should().BeTrue();
        value.Should().Be(bytes);
    }

    [Theory]
    [InlineData("1 MeB")]
    [InlineData("1KB")]
    [InlineData("1mb")]
    [InlineData("MiB")]
    [InlineData("1YiB")]
    [InlineData("8EiB")]
    [InlineData("1 Mi B")]
    public void Malformed_or_overflowing_sizes_are_rejected(string text) =>
        HoconUnits.TryParseByteSize(text, out _).Should().BeFalse();

    [Fact]
    public void Parsing_does_not_depend_on_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // The build is globalization-invariant, so a comma-decimal culture is made by hand.
            var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
            commaDecimal.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = commaDecimal;
            HoconUnits.TryParseDuration("1.5s", out var duration).Should().BeTrue();
            duration.Should().Be(TimeSpan.FromMilliseconds(1500));
            HoconUnits.TryParseByteSize("1,5MiB", out _).Should().BeFalse();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Config_getters_read_units_and_bare_numbers()
    {
        var config = TestHocon.Parse("a = 10s, b = 250, c = 1MiB, d = 2048, e = \"5 minutes\"");
        config.GetTimeSpan("a").Should().Be(TimeSpan.FromSeconds(10));
        config.GetTimeSpan("b").Should().Be(TimeSpan.FromMilliseconds(250));
        config.GetByteSize("c").Should().Be(1 << 20);
        config.GetByteSize("d").Should().Be(2048);
        config.GetTimeSpan("e").Should().Be(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void A_bad_unit_names_the_key_its_position_the_value_and_what_was_expected()
    {
        var config = Config.ParseString("loki {\n  batch { max-bytes = \"1 MeB\" }\n}", "application.conf").Resolve(HoconEnvironment.Empty);

        var error = Assert.Throws<HoconException>(() => config.GetConfig("loki").GetByteSize("batch.max-bytes"));
        error.Message.Should().StartWith("application.conf:2:23: loki.batch.max-bytes = \"1 MeB\": expected a size such as 1MiB or 512KiB");
    }

    [Theory]
    [InlineData(1500L * TimeSpan.TicksPerMillisecond, "1500ms")]
    [InlineData(TimeSpan.TicksPerMinute * 5, "5m")]
    [InlineData(TimeSpan.TicksPerDay, "1d")]
    public void Durations_format_to_the_shortest_exact_unit(long ticks, string text)
    {
        HoconUnits.FormatDuration(TimeSpan.FromTicks(ticks)).Should().Be(text);
        HoconUnits.TryParseDuration(text, out var back).Should().BeTrue();
        back.Ticks.Should().Be(ticks);
    }

    [Theory]
    [InlineData(1L << 20, "1MiB")]
    [InlineData(1536, "1536B")]
    [InlineData(3L << 30, "3GiB")]
    public void Sizes_format_to_the_shortest_exact_unit(long bytes, string text) =>
        HoconUnits.FormatByteSize(bytes).Should().Be(text);
}

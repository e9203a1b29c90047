using System.Text;
using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes.Tests.Logs;

public sealed class KubeletTimestampTests
{
    private static long Nanos(string iso) => (DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    private static (bool Ok, long Nanos, int Length) Parse(string text)
    {
        var ok = KubeletTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out var nanos, out var length);
        return (ok, nanos, length);
    }

    [Fact]
    public void Kubelet_fixed_format_is_parsed_to_the_nanosecond()
    {
        var (ok, nanos, length) = Parse("2024-05-01T12:34:56.123456789Z rest of line");

        ok.Should().BeTrue();
        length.Should().Be(30);
        nanos.Should().Be(Nanos("2024-05-01T12:34:56Z") + 123_456_789);
    }

    [Theory]
    [InlineData("2024-05-01T12:34:56Z", 0, 20)]
    [InlineData("2024-05-01T12:34:56.1Z", 100_000_000, 22)]
    [InlineData("2024-05-01T12:34:56.123456Z", 123_456_000, 27)]
    [InlineData("2024-05-01t12:34:56.5z", 500_000_000, 22)]
    [InlineData("2024-05-01T12:34:56.1234567891234Z", 123_456_789, 34)]
    public void Other_RFC3339_precisions_take_the_general_path(string text, long fraction, int expectedLength)
    {
        var (ok, nanos, length) = Parse(text);

        ok.Should().BeTrue();
        length.Should().Be(expectedLength);
        nanos.Should().Be(Nanos("2024-05-01T12:34:56Z") + fraction);
    }

    [Theory]
    [InlineData("2024-05-01T14:34:56.000000001+02:00")]
    [InlineData("2024-05-01T07:04:56.000000001-05:30")]
    public void Numeric_offsets_are_converted_to_UTC(string text)
    {
        var (ok, nanos, _) = Parse(text);

        ok.Should().BeTrue();
        nanos.Should().Be(Nanos("2024-05-01T12:34:56Z") + 1);
    }

    [Theory]
    [InlineData("2024-02-29T00:00:00.000000000Z", true)]
    [InlineData("2023-02-29T00:00:00.000000000Z", false)]
    [InlineData("2000-02-29T00:00:00.000000000Z", true)]
    [InlineData("1900-02-29T00:00:00Z", false)]
    [InlineData("2024-04-31T00:00:00.000000000Z", false)]
    [InlineData("2024-13-01T00:00:00.000000000Z", false)]
    [InlineData("2024-00-01T00:00:00.000000000Z", false)]
    [InlineData("2024-05-01T24:00:00.000000000Z", false)]
    [InlineData("2024-05-01T23:60:00.000000000Z", false)]
    [InlineData("2024-05-01T23:59:60.000000000Z", false)]
    [InlineData("2024-05-01T23:59:59.999999999Z", true)]
    public void Calendar_rules_are_checked(string text, bool valid) => Parse(text).Ok.Should().Be(valid);

    [Theory]
    [InlineData("")]
    [InlineData("2024-05-01")]
    [InlineData("2024-05-01T12:34:56")]
    [InlineData("2024-05-01T12:34:56.Z")]
    [InlineData("2024-05-01 12:34:56.123456789Z")]
    [InlineData("2024-05-01T12:34:56.12345678xZ")]
    [InlineData("2024-05-0aT12:34:56.123456789Z")]
    [InlineData("panic: runtime error: index out of range")]
    [InlineData("2024-05-01T12:34:56.123+0200")]
    [InlineData("1600-01-01T00:00:00.000000000Z")]
    [InlineData("2300-01-01T00:00:00.000000000Z")]
    public void Malformed_or_out_of_range_timestamps_are_rejected(string text) => Parse(text).Ok.Should().BeFalse();

    [Fact]
    public void Format_writes_the_kubelet_fixed_format_and_parses_back()
    {
        var random = new Random(7);
        Span<byte> buffer = stackalloc byte[30];
        for (var i = 0; i < 10_000; i++)
        {
            var nanos = random.NextInt64(Nanos("1970-01-01T00:00:00Z"), Nanos("2200-01-01T00:00:00Z"));
            KubeletTimestamp.Format(nanos, buffer).Should().Be(30);
            KubeletTimestamp.TryParse(buffer, out var back, out _).Should().BeTrue();
            back.Should().Be(nanos);
        }

        KubeletTimestamp.Format(Nanos("2024-05-01T12:34:56Z") + 7, buffer);
        Encoding.ASCII.GetString(buffer).Should().Be("2024-05-01T12:34:56.000000007Z");
    }

    [Fact]
    public void Since_time_is_rounded_down_to_the_second()
    {
        var instant = new DateTimeOffset(2024, 5, 1, 14, 34, 56, 999, TimeSpan.FromHours(2));

        KubeletTimestamp.FormatSinceTime(instant).Should().Be("2024-05-01T12:34:56Z");
    }

    [Fact]
    public void Conversions_between_nanoseconds_and_DateTimeOffset_agree()
    {
        var instant = new DateTimeOffset(2024, 5, 1, 12, 34, 56, TimeSpan.Zero).AddTicks(1234567);

        KubeletTimestamp.ToDateTimeOffset(KubeletTimestamp.ToUnixNanos(instant)).Should().Be(instant);
        KubeletTimestamp.ToDateTimeOffset(KubeletTimestamp.ToUnixNanos(instant) + 99).Should().Be(instant);
    }
}

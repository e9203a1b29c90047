using ActorLoki.Simulator.Loki;

namespace ActorLoki.Simulator.Tests.Loki;

public sealed class PromTextTests
{
    [Theory]
    [InlineData("{a=\"1\"}", "a=1")]
    [InlineData("  { b = \"2\" , a = \"1\" , }  ", "a=1|b=2")]
    [InlineData("{a='single', b=`raw \\n`}", "a=single|b=raw \\n")]
    [InlineData("{a=\"q\\\"uote\\\\back\\nline\\ttab\"}", "a=q\"uote\\back\nline\ttab")]
    [InlineData("{a=\"\\x41\\101\\u00e9\\U0001F680\"}", "a=AAé🚀")]
    [InlineData("{a=\"ünï 日本\"}", "a=ünï 日本")]
    [InlineData("metric{a=\"1\"}", "__name__=metric|a=1")]
    [InlineData("{a=\"\", b=\"x\"}", "b=x")]
    [InlineData("{}", "")]
    public void Labels_parse_as_prometheus_parse_metric_does(string text, string expected)
    {
        var labels = PromText.ParseLabels(text);

        string.Join("|", labels.Select(l => $"{l.Key}={l.Value}")).Should().Be(expected);
    }

    [Theory]
    [InlineData("{a=\"1\"", "unexpected end of input")]
    [InlineData("{a=\"1}", "unterminated quoted string")]
    [InlineData("{a=\"line\nbreak\"}", "unterminated quoted string")]
    [InlineData("{a=\"\\q\"}", "unknown escape sequence")]
    [InlineData("{a='\\\"'}", "unknown escape sequence")]
    [InlineData("{1a=\"x\"}", "unexpected \"1\"")]
    [InlineData("{a.b=\"x\"}", "unexpected \".\"")]
    [InlineData("{a=\"x\"} extra", "unexpected identifier \"extra\"")]
    [InlineData("", "unexpected end of input")]
    public void Malformed_labels_fail_with_a_promql_style_message(string text, string message)
    {
        FluentActions.Invoking(() => PromText.ParseLabels(text)).Should().Throw<FormatException>().WithMessage($"1:*: parse error: *{message}*");
    }

    [Fact]
    public void Go_text_formats_times_and_labels_as_loki_prints_them()
    {
        var nanos = 1_768_046_400_000_000_000L + 500_000_000;

        GoText.TimeString(nanos).Should().Be("2026-01-10 12:00:00.5 +0000 UTC");
        GoText.TimeString(nanos - 500_000_000).Should().Be("2026-01-10 12:00:00 +0000 UTC");
        GoText.Rfc3339(nanos).Should().Be("2026-01-10T12:00:00Z");
        GoText.Rfc3339(-1).Should().Be("1969-12-31T23:59:59Z");
        GoText.Labels([new("a", "x\"y\\z\n\u0001é")]).Should().Be("{a=\"x\\\"y\\\\z\\n\\x01é\"}");
    }
}

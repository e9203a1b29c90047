using System.Text.RegularExpressions;
using ActorLoki.Cli;

namespace ActorLoki.Tests.Demo;

/// <summary>`actorloki demo --replicas 3`: three clustered nodes in this process, one stopping gracefully midway.</summary>
public sealed partial class DemoReplicasTests
{
    [Fact]
    public async Task Three_replicas_share_the_namespace_one_stops_midway_and_every_line_is_delivered_exactly_once()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var exit = await ActorLokiCli.InvokeAsync(
            ["demo", "--replicas", "3", "--duration", "10s", "--set", "demo.summary-interval=1s", "--set", "demo.crash-interval=1500ms", "--set", "demo.job-interval=1500ms"],
            output,
            error,
            timeout.Token);

        var text = output.ToString();
        exit.Should().Be(0, text + error);
        text.Should().Contain("Replicas: 3 nodes in one Akka cluster in this process");
        text.Should().Contain("node 3 stops gracefully (as on SIGTERM): it hands its streams over to the other 2");
        text.Should().MatchRegex(@"node 3 stopped after [0-9.]+ s; 2 nodes follow every stream");
        var stopsAt = text.IndexOf("node 3 stops gracefully (as on SIGTERM)", StringComparison.Ordinal);
        SummaryRow().Matches(text).Count(m => m.Index < stopsAt).Should().BeGreaterThanOrEqualTo(2, "the summary runs before the stop:\n" + text);
        SummaryRow().Matches(text).Count(m => m.Index > stopsAt).Should().BeGreaterThanOrEqualTo(2, "and after it, with the other two nodes:\n" + text);
        var written = DemoCommandTests.Row(text, "written");
        written.Should().BeGreaterThan(100);
        DemoCommandTests.Row(text, "delivered").Should().Be(written, text);
        DemoCommandTests.Row(text, "missing").Should().Be(0);
        DemoCommandTests.Row(text, "duplicates").Should().Be(0);
        DemoCommandTests.Row(text, "out of order").Should().Be(0);
        text.Should().Contain("✓ Every line written was delivered, exactly once and in order.");
    }

    [Fact]
    public async Task A_number_of_replicas_out_of_range_is_refused()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await ActorLokiCli.InvokeAsync(["demo", "--replicas", "0"], output, error);

        exit.Should().Be(1);
        error.ToString().Should().Contain("actorloki.demo.replicas = \"0\": expected a whole number from 1 to 9");
    }

    [GeneratedRegex(@"^ +\d+s +[0-9,]+ +[0-9,]+ +[0-9,]+ ", RegexOptions.Multiline)]
    private static partial Regex SummaryRow();
}

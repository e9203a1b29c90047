using System.Globalization;
using System.Text.RegularExpressions;
using ActorLoki.Cli;
using ActorLoki.Simulator.Loki;

namespace ActorLoki.Tests.Demo;

/// <summary>`actorloki demo`, run in-process for a few seconds with the writers a user would read.</summary>
public sealed partial class DemoCommandTests
{
    internal static async Task<(int Exit, string Output, string Error)> RunDemoAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exit = await ActorLokiCli.InvokeAsync(["demo", "--duration", "4s", "--set", "demo.summary-interval=1s", "--set", "demo.crash-interval=1500ms", "--set", "demo.job-interval=1500ms", .. args], output, error, timeout.Token);
        return (exit, output.ToString(), error.ToString());
    }

    internal static long Row(string output, string name)
    {
        var match = Regex.Match(output, $@"^  {Regex.Escape(name)} +([0-9,]+)  ", RegexOptions.Multiline);
        match.Success.Should().BeTrue($"the table has a row '{name}':\n{output}");
        return long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_demo_shows_lines_flowing_and_ends_with_a_table_in_which_every_line_written_was_delivered()
    {
        var (exit, output, error) = await RunDemoAsync();

        exit.Should().Be(0, output + error);
        SummaryRow().Count(output).Should().BeGreaterThanOrEqualTo(2, "a live summary line is printed every second:\n" + output);
        var written = Row(output, "written");
        written.Should().BeGreaterThan(100);
        Row(output, "delivered").Should().Be(written, output);
        Row(output, "missing").Should().Be(0);
        Row(output, "unreadable").Should().Be(0);
        Row(output, "duplicates").Should().Be(0);
        Row(output, "out of order").Should().Be(0);
        output.Should().Contain("✓ Every line written was delivered, exactly once and in order.");
        error.Should().BeEmpty("the shipper logs only warnings in the demo, and a healthy run has none");
    }

    [Fact]
    public async Task With_a_Loki_URL_the_demo_pushes_there_and_reports_what_Loki_acknowledged()
    {
        await using var loki = await LokiReceiver.StartAsync();

        var (exit, output, error) = await RunDemoAsync("--loki-url", loki.BaseAddress.ToString());

        exit.Should().Be(0, output + error);
        output.Should().Contain("cannot be read back from here");
        var written = Row(output, "written");
        Row(output, "sent").Should().Be(written);
        Row(output, "dropped").Should().Be(0);
        loki.Statistics.EntriesAccepted.Should().Be(written, "every line went to the Loki named on the command line");
        loki.Streams().Should().OnlyContain(s => s.LabelValues["namespace"] == "actorloki-demo");
    }

    [Fact]
    public async Task A_bad_duration_is_refused_with_the_key_it_sets()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await ActorLokiCli.InvokeAsync(["demo", "--duration", "soon"], output, error);

        exit.Should().Be(1);
        error.ToString().Should().Contain("actorloki.demo.duration = \"soon\": expected a duration");
    }

    [GeneratedRegex(@"^ +\d+s +[0-9,]+ +[0-9,]+ +[0-9,]+ ", RegexOptions.Multiline)]
    private static partial Regex SummaryRow();
}

using System.Text;
using ActorLoki.Loki;
using ActorLoki.Loki.Protos;
using ActorLoki.Loki.Wire;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

public sealed class SplittingAndTruncationTests
{
    private static PushBatch TwoStreams(int linesEach, int lineBytes) => Batch(
        Stream(Labels(("app", "a")), Enumerable.Range(0, linesEach).Select(i => ((long)i, new string('a', lineBytes))).ToArray()),
        Stream(Labels(("app", "b")), Enumerable.Range(0, linesEach).Select(i => ((long)i, new string('b', lineBytes))).ToArray()));

    private static List<RequestPlan> AllPlans(PushBatch batch, long maxRequestBytes, int maxLineBytes = 1 << 20)
    {
        var plans = new List<RequestPlan>();
        var cursor = PushCursor.Start;
        while (RequestPlan.Next(batch, cursor, maxRequestBytes, maxLineBytes) is { } plan)
        {
            plans.Add(plan);
            cursor = plan.End;
        }

        return plans;
    }

    [Fact]
    public void A_batch_larger_than_max_request_bytes_is_split_into_consecutive_requests_covering_every_entry_once()
    {
        var batch = TwoStreams(linesEach: 12, lineBytes: 100);

        var plans = AllPlans(batch, maxRequestBytes: 500);

        plans.Select(p => p.Entries).Should().Equal(5, 5, 5, 5, 4);
        plans.Should().OnlyContain(p => p.LineBytes <= 500);
        plans[0].Start.Should().Be(PushCursor.Start);
        for (var i = 1; i < plans.Count; i++)
        {
            plans[i].Start.Should().Be(plans[i - 1].End);
        }

        plans[2].Segments.Should().Equal(new Segment(0, 10, 2), new Segment(1, 0, 3));
        plans[^1].End.IsAtEnd(batch).Should().BeTrue();
        plans.Sum(p => p.Entries).Should().Be(24);
    }

    [Fact]
    public void A_line_larger_than_max_request_bytes_goes_alone_in_its_request()
    {
        var batch = Batch(Stream(Labels(("app", "a")), (1, "small"), (2, new string('x', 2000)), (3, "small")));

        var plans = AllPlans(batch, maxRequestBytes: 1000);

        plans.Select(p => p.Entries).Should().Equal(1, 1, 1);
    }

    [Fact]
    public void Lines_longer_than_the_line_limit_count_at_the_limit_when_requests_are_cut()
    {
        var batch = Batch(Stream(Labels(("app", "a")), (1, new string('x', 5000)), (2, new string('y', 5000))));

        AllPlans(batch, maxRequestBytes: 250, maxLineBytes: 100).Select(p => p.Entries).Should().Equal(2);
    }

    [Fact]
    public void Resuming_from_a_cursor_plans_the_same_requests_as_before()
    {
        var batch = TwoStreams(linesEach: 7, lineBytes: 50);
        var plans = AllPlans(batch, maxRequestBytes: 200);

        var resumed = RequestPlan.Next(batch, plans[1].Start, 200, 1 << 20)!;

        resumed.Segments.Should().Equal(plans[1].Segments);
        resumed.End.Should().Be(plans[1].End);
    }

    [Fact]
    public void Halving_a_request_splits_its_entries_in_two_across_streams()
    {
        var batch = TwoStreams(linesEach: 3, lineBytes: 10);
        var plan = Plan(batch);

        var (first, second) = plan.Halve();

        first.Segments.Should().Equal(new Segment(0, 0, 3));
        second.Segments.Should().Equal(new Segment(1, 0, 3));
        first.Start.Should().Be(plan.Start);
        first.End.Should().Be(second.Start).And.Be(new PushCursor(1, 0));
        second.End.Should().Be(plan.End);
        (first.Entries, second.Entries).Should().Be((3, 3));
        first.LineBytes.Should().Be(30);

        var (a, b) = first.Halve();
        a.Segments.Should().Equal(new Segment(0, 0, 1));
        b.Segments.Should().Equal(new Segment(0, 1, 2));
        b.Start.Should().Be(new PushCursor(0, 1));
    }

    [Fact]
    public void A_long_line_is_truncated_to_the_limit_with_a_marker_counting_the_bytes_cut()
    {
        var limits = new LineLimits(MaxLineBytes: 1000);
        var line = new string('q', 5000);
        var batch = Batch(Stream(Labels(("app", "a")), (1, line), (2, "short")));

        using var request = EncodedRequest.Encode(Plan(batch, limits.MaxLineBytes), PushFormat.Protobuf, false, limits);
        var lines = PushRequest.Parser.ParseFrom(Uncompressed(request)).Streams[0].Entries.Select(e => e.Line).ToList();

        var marker = "…[truncated 4025 bytes]";
        lines[0].Should().Be(new string('q', 5000 - 4025) + marker);
        Encoding.UTF8.GetByteCount(lines[0]).Should().BeLessThanOrEqualTo(1000);
        lines[1].Should().Be("short");
        request.Changes.Truncated.Should().Be(1);
    }

    [Fact]
    public void Truncation_never_cuts_a_multibyte_character_and_the_marker_is_configurable()
    {
        var limits = new LineLimits(MaxLineBytes: 50, TruncationMarker: " [cut {0}]");
        var line = string.Concat(Enumerable.Repeat("日本", 30)); // 3 bytes per character

        var fix = LineFix.For(0, 0, Encoding.UTF8.GetBytes(line), limits)!.Value;
        var bytes = new byte[fix.Length];
        fix.CopyTo(bytes);
        var text = Encoding.UTF8.GetString(bytes);

        fix.Truncated.Should().BeTrue();
        fix.Length.Should().BeLessThanOrEqualTo(50);
        text.Should().NotContain("\uFFFD");
        text.Should().MatchRegex(@"^(日本)+日? \[cut \d+\]$");
        var kept = text[..text.IndexOf(' ', StringComparison.Ordinal)];
        text.Should().EndWith($" [cut {(180 - Encoding.UTF8.GetByteCount(kept))}]");
    }

    [Fact]
    public void With_the_drop_policy_a_long_line_is_dropped_and_counted()
    {
        var limits = new LineLimits(MaxLineBytes: 10, OnLongLine: LongLinePolicy.Drop);

        var fix = LineFix.For(0, 3, Encoding.UTF8.GetBytes("this line is too long"), limits)!.Value;

        fix.Dropped.Should().BeTrue();
        LineFix.For(0, 4, Encoding.UTF8.GetBytes("fits"), limits).Should().BeNull("a valid short line is sent as is");
    }

    [Fact]
    public void Line_limits_that_leave_no_room_for_the_marker_are_refused()
    {
        var act = () => new LineLimits(MaxLineBytes: 10).Validate();

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*max-line-bytes*");
    }
}

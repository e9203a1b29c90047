using System.Text;
using ActorLoki.Shipper.Positions;

namespace ActorLoki.Shipper.Tests.Positions;

public sealed class StreamCursorTests
{
    private const long Second = 1_000_000_000;
    private static readonly long Base = DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds() * Second;

    private sealed record Line(long Timestamp, byte[] Bytes)
    {
        public override string ToString() => $"{Timestamp - Base} {Encoding.UTF8.GetString(Bytes)}";
    }

    /// <summary>What the kubelet returns for a log request: every line not stamped before sinceTime, in file order.</summary>
    private static List<Line> Respond(IReadOnlyList<Line> file, StreamPosition position) =>
        position.IsFromStart ? [.. file] : [.. file.Where(l => l.Timestamp >= position.SinceSecond * Second)];

    /// <summary>Resumes like the tail: opens at the position, checks and skips the handled lines, returns the rest.</summary>
    private static List<Line> Resume(IReadOnlyList<Line> file, StreamPosition position)
    {
        var response = Respond(file, position);
        response.Count.Should().BeGreaterThanOrEqualTo((int)position.Skip);
        if (position.HasCheck)
        {
            var last = response[(int)position.Skip - 1];
            last.Timestamp.Should().Be(position.LastTimestamp, "the last skipped line is the last handled one");
            StreamCursor.Fnv1a(last.Bytes).Should().Be(position.LastLineHash);
        }

        return response.Skip((int)position.Skip).ToList();
    }

    /// <summary>Reads a response through a cursor, taking a position after every line.</summary>
    private static List<StreamPosition> PositionsAfterEachLine(IReadOnlyList<Line> response, StreamPosition openedAt)
    {
        var cursor = new StreamCursor(openedAt);
        var positions = new List<StreamPosition>();
        foreach (var line in response)
        {
            cursor.Observe(line.Timestamp);
            cursor.ObserveLastLine(line.Bytes);
            positions.Add(cursor.Position);
        }

        return positions;
    }

    /// <summary>
    /// A log like containerd writes it: bursts of equal timestamps, and stderr lines stamped up to
    /// <paramref name="maxBackwardsNanos"/> before the newest stdout line.
    /// </summary>
    private static List<Line> GenerateLog(int seed, int count, long maxBackwardsNanos)
    {
        var random = new Random(seed);
        var lines = new List<Line>(count);
        var newest = Base + (long)(random.NextDouble() * Second);
        var timestamp = newest;
        for (var i = 0; i < count; i++)
        {
            var pick = random.Next(10);
            if (pick < 3)
            {
                // same timestamp as the previous line
            }
            else if (pick < 5 && maxBackwardsNanos > 0)
            {
                timestamp = newest - random.NextInt64(maxBackwardsNanos);
            }
            else
            {
                newest += random.NextInt64(Second / 2);
                timestamp = newest;
            }

            lines.Add(new Line(timestamp, Encoding.UTF8.GetBytes($"line {i} {(i % 7 == 0 ? "same text" : random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture))}")));
        }

        return lines;
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 50_000_000)]
    [InlineData(4, 500_000_000)]
    [InlineData(5, 1_500_000_000)]
    public void Resuming_after_any_line_returns_exactly_the_lines_not_yet_handled(int seed, long maxBackwardsNanos)
    {
        var file = GenerateLog(seed, 400, maxBackwardsNanos);
        var positions = PositionsAfterEachLine(Respond(file, StreamPosition.Start), StreamPosition.Start);

        for (var i = 0; i < file.Count; i++)
        {
            Resume(file, positions[i]).Should().Equal(file.Skip(i + 1), $"resuming after line {i} ({positions[i]})");
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Chained_resumes_neither_lose_nor_repeat_a_line(int seed)
    {
        var file = GenerateLog(seed, 600, 1_900_000_000);
        var random = new Random(seed);
        var delivered = new List<Line>();
        var position = StreamPosition.Start;

        while (delivered.Count < file.Count)
        {
            // Open at the position, read a random number of lines, stop (a dropped stream, a restart).
            var rest = Resume(file, position);
            var take = Math.Min(rest.Count, 1 + random.Next(40));
            var cursor = new StreamCursor(position);
            foreach (var skipped in Respond(file, position).Take((int)position.Skip))
            {
                cursor.Observe(skipped.Timestamp);
            }

            foreach (var line in rest.Take(take))
            {
                cursor.Observe(line.Timestamp);
                cursor.ObserveLastLine(line.Bytes);
                delivered.Add(line);
            }

            position = cursor.Position;
        }

        delivered.Should().Equal(file);
    }

    [Fact]
    public void The_since_second_stays_a_margin_behind_the_newest_line_and_the_skip_stays_small()
    {
        var file = Enumerable.Range(0, 10_000).Select(i => new Line(Base + (i * Second / 100), [(byte)'x'])).ToList();

        var last = PositionsAfterEachLine(file, StreamPosition.Start)[^1];

        var newestSecond = file[^1].Timestamp / Second;
        last.SinceSecond.Should().BeInRange(newestSecond - 3, newestSecond - 2);
        last.Skip.Should().BeLessThanOrEqualTo(400, "only the lines of the last few seconds are re-read on resume");
        Resume(file, last).Should().BeEmpty();
    }

    [Fact]
    public void A_line_stamped_further_back_than_the_margin_is_counted()
    {
        var cursor = new StreamCursor(StreamPosition.Start);
        cursor.Observe(Base + (10 * Second));
        cursor.Observe(Base + (7 * Second));

        cursor.LinesBehindMargin.Should().Be(1);
    }

    [Fact]
    public void A_cursor_opened_at_a_position_keeps_its_since_second_until_lines_move_it()
    {
        var opened = StreamPosition.Since((Base / Second) + 5);
        var cursor = new StreamCursor(opened);

        cursor.Position.Should().Be(new StreamPosition(opened.SinceSecond, 0, 0, 0));

        cursor.Observe(Base + (5 * Second) + 1);
        cursor.Position.SinceSecond.Should().Be(opened.SinceSecond, "the since second never moves back, nor forward past the margin");
        cursor.Position.Skip.Should().Be(1);
    }

    [Fact]
    public void The_position_hash_is_stable_fnv1a()
    {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (published test vector).
        StreamCursor.Fnv1a("a"u8).Should().Be(0xaf63dc4c8601ec8cUL);
        StreamCursor.Fnv1a([]).Should().Be(14695981039346656037UL);
    }
}

using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests;

/// <summary>Every error names file, line and column and quotes the offending line.</summary>
public sealed class ErrorPositionsTests
{
    [Fact]
    public void An_unclosed_object_is_reported_at_the_end_with_the_place_it_opened()
    {
        const string Text = "actorloki {\n  loki {\n    url = \"http://x\"\n  }\n";

        var error = Assert.Throws<HoconException>(() => HoconParser.Parse(Text, "application.conf"));

        error.Message.Should().Be("application.conf:5:1: expected '}' (closing the object opened at 1:11) but found end of file");
        (error.Description, error.Line, error.Column).Should().Be(("application.conf", 5, 1));
    }

    [Fact]
    public void The_detailed_text_quotes_the_line_with_a_caret_under_the_column()
    {
        var error = Assert.Throws<HoconException>(() => HoconParser.Parse("a = 1\nb = foo?bar\n", "application.conf"));

        error.Message.Should().Be("application.conf:2:8: reserved character '?' is not allowed outside quotes; quote the string");
        error.SourceLine.Should().Be("b = foo?bar");
        error.ToDetailedString().Should().Be(
            "application.conf:2:8: reserved character '?' is not allowed outside quotes; quote the string\n" +
            "    b = foo?bar\n" +
            "           ^");
    }

    [Fact]
    public void Errors_found_while_resolving_still_quote_their_line()
    {
        var config = Config.ParseString("a = 1\nb = ${nope}\n", "application.conf");

        var error = Assert.Throws<HoconException>(() => config.Resolve(HoconEnvironment.Empty));

        error.Message.Should().StartWith("application.conf:2:5: could not resolve ${nope}");
        error.SourceLine.Should().Be("b = ${nope}");
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_key_and_position()
    {
        var config = Config.ParseString("x {\n  port = eighty\n}", "application.conf").Resolve(HoconEnvironment.Empty);

        var error = Assert.Throws<HoconException>(() => config.GetInt("x.port"));

        error.Message.Should().Be("application.conf:2:10: x.port = \"eighty\": expected a whole number");
    }

    [Fact]
    public void Invalid_utf8_is_reported_with_its_line()
    {
        byte[] bytes = [(byte)'a', (byte)'=', (byte)'1', (byte)'\n', (byte)'b', (byte)'=', 0xC3, 0x28];

        var error = Assert.Throws<HoconException>(() => HoconParser.Parse(bytes, "application.conf"));

        error.Reason.Should().Be("the file is not valid UTF-8");
        (error.Line, error.Column).Should().Be((2, 3));
    }

    [Fact]
    public void Columns_count_from_one_and_tabs_count_as_one() =>
        Assert.Throws<HoconException>(() => HoconParser.Parse("\t\ta = ]")).Column.Should().Be(7);
}

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Key-value separator" and "Commas".</summary>
public sealed class SeparatorsTests
{
    [Fact]
    public void Equals_colon_and_no_separator_before_a_brace_are_the_same() =>
        TestHocon.Canonical("a = 1\nb : 2\nc { d = 3 }\ne = { f = 4 }\ng : { h = 5 }")
            .Should().Be("{a:1,b:2,c:{d:3},e:{f:4},g:{h:5}}");

    [Fact]
    public void A_value_may_start_on_the_line_after_the_separator() =>
        TestHocon.Canonical("a =\n  1").Should().Be("{a:1}");

    [Fact]
    public void Fields_are_separated_by_commas_or_newlines_and_a_trailing_comma_is_ignored() =>
        TestHocon.Canonical("{ a = 1, b = 2,\n c = 3\n d = 4, }").Should().Be("{a:1,b:2,c:3,d:4}");

    [Theory]
    [InlineData("{ a = 1,, b = 2 }")]
    [InlineData("{ , a = 1 }")]
    [InlineData("{ a = 1,, }")]
    public void Doubled_or_leading_commas_are_errors(string text) =>
        TestHocon.ParseError(text).Reason.Should().Contain("found ','");

    [Fact]
    public void Two_fields_on_one_line_need_a_comma()
    {
        var error = TestHocon.ParseError("a = 1 b = 2");
        error.Reason.Should().StartWith("expected ',' or a newline after the value of 'a' but found '='");
        error.Column.Should().Be(9);
    }

    [Fact]
    public void A_colon_inside_an_unquoted_value_is_explained()
    {
        var error = TestHocon.ParseError("url = http://loki:3100");
        error.Reason.Should().Contain("found ':'").And.Contain("quote a string");
        (error.Line, error.Column).Should().Be((1, 11));
    }

    [Fact]
    public void A_key_without_a_value_is_an_error()
    {
        var error = TestHocon.ParseError("a =\n}");
        error.Reason.Should().Contain("expected a value for 'a'");
    }
}

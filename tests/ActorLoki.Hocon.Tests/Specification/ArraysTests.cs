namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Commas" (in arrays) and "Note: Arrays without commas or newlines".</summary>
public sealed class ArraysTests
{
    [Theory]
    [InlineData("a = [1,2,3]")]
    [InlineData("a = [1,2,3,]")]
    [InlineData("a = [1\n2\n3]")]
    [InlineData("a = [\n  1,\n  2\n  3\n]")]
    public void Elements_are_separated_by_commas_or_newlines(string text) =>
        TestHocon.Canonical(text).Should().Be("{a:[1,2,3]}");

    [Theory]
    [InlineData("a = [1,2,3,,]")]
    [InlineData("a = [,1,2,3]")]
    [InlineData("a = [1,,2,3]")]
    public void Extra_commas_are_errors(string text) =>
        TestHocon.ParseError(text).Reason.Should().Contain("found ','");

    [Fact]
    public void Arrays_hold_any_values() =>
        TestHocon.Canonical("a = [{ b = 1 }, [2], \"three\", four, 5, true, null, []]")
            .Should().Be("""{a:[{b:1},[2],"three","four",5,true,null,[]]}""");

    [Fact]
    public void An_unclosed_array_names_where_it_opened()
    {
        var error = TestHocon.ParseError("x = 1\na = [1, 2");
        (error.Line, error.Column).Should().Be((2, 10));
        error.Reason.Should().Be("expected ']' (closing the array opened at 2:5) but found end of file");
    }

    [Fact]
    public void Optional_substitutions_that_are_undefined_vanish_from_arrays() =>
        TestHocon.Canonical("a = [1, ${?missing}, 3]").Should().Be("{a:[1,3]}");

    [Fact]
    public void String_lists_are_read_with_conversions() =>
        TestHocon.Parse("a = [x, \"y\", 3, true]").GetStringList("a").Should().Equal("x", "y", "3", "true");
}

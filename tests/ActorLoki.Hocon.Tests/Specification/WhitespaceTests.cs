namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Whitespace" and "Omit root braces".</summary>
public sealed class WhitespaceTests
{
    [Theory]
    [InlineData("\t")]
    [InlineData("\u00A0")]
    [InlineData("\u2007")]
    [InlineData("\u202F")]
    [InlineData("\u2028")]
    [InlineData("\u000B")]
    [InlineData("\u000C")]
    [InlineData("\u001C")]
    [InlineData("\uFEFF")]
    public void Unicode_and_ascii_separators_are_whitespace(string space) =>
        TestHocon.Canonical($"{space}a{space}={space}1{space}\nb = 2").Should().Be("{a:1,b:2}");

    [Fact]
    public void Carriage_returns_are_whitespace_so_crlf_files_parse() =>
        TestHocon.Canonical("a = 1\r\nb = [1,\r\n2]\r\n").Should().Be("{a:1,b:[1,2]}");

    [Fact]
    public void A_file_without_root_braces_is_an_object() =>
        TestHocon.Canonical("a = 1").Should().Be(TestHocon.Canonical("{ a = 1 }"));

    [Fact]
    public void An_empty_file_is_an_empty_object() => TestHocon.Canonical("").Should().Be("{}");

    [Fact]
    public void A_closing_brace_without_an_opening_one_is_an_error()
    {
        var error = TestHocon.ParseError("a = 1\n}");
        error.Line.Should().Be(2);
        error.Column.Should().Be(1);
        error.Reason.Should().Contain("unbalanced '}'");
    }

    [Fact]
    public void Anything_after_the_root_object_is_an_error() =>
        TestHocon.ParseError("{ a = 1 }\nb = 2").Reason.Should().Contain("expected end of file after the root object");

    [Fact]
    public void An_array_at_the_root_is_not_a_configuration() =>
        TestHocon.ParseError("[1, 2]").Reason.Should().Contain("must be an object");

    [Fact]
    public void Valid_json_parses_to_the_same_tree() =>
        TestHocon.Canonical("""
            {"a": {"b": [1, 2.5, -3e2, true, false, null, "x\"y"]}, "c": {}}
            """).Should().Be("""{a:{b:[1,2.5,-3e2,true,false,null,"x\"y"]},c:{}}""");
}

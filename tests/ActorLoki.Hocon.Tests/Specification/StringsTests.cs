namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Unchanged from JSON" (quoted strings), "Unquoted strings" and "Multi-line strings".</summary>
public sealed class StringsTests
{
    [Fact]
    public void Quoted_strings_take_every_json_escape() =>
        Parse("""a = "q\" b\\ s\/ \b\f\n\r\t \u00e9\u20AC" """).Should().Be("q\" b\\ s/ \b\f\n\r\t é€");

    [Theory]
    [InlineData("""a = "\x" """, "invalid escape '\\x'")]
    [InlineData("""a = "\u12" """, "\\u must be followed by four hexadecimal digits")]
    [InlineData("a = \"tab\there\"", "control character U+0009 must be escaped")]
    [InlineData("a = \"open\nb = 1", "unterminated quoted string")]
    [InlineData("a = \"open", "unterminated quoted string")]
    public void Malformed_quoted_strings_are_errors(string text, string reason) =>
        TestHocon.ParseError(text).Reason.Should().Contain(reason);

    [Fact]
    public void Unquoted_strings_run_until_a_forbidden_character() =>
        TestHocon.Canonical("a = foo.bar/baz-qux_1(2)%~, b = x").Should().Be("""{a:"foo.bar/baz-qux_1(2)%~",b:"x"}""");

    [Theory]
    [InlineData('`')]
    [InlineData('^')]
    [InlineData('?')]
    [InlineData('!')]
    [InlineData('@')]
    [InlineData('*')]
    [InlineData('&')]
    [InlineData('\\')]
    [InlineData('$')]
    [InlineData('+')]
    public void Reserved_characters_are_errors_outside_quotes(char reserved)
    {
        var error = TestHocon.ParseError($"a = foo{reserved}bar");
        error.Reason.Should().Contain($"reserved character '{reserved}'");
        error.Column.Should().Be(8);
    }

    [Fact]
    public void Reserved_characters_are_fine_inside_quotes() =>
        Parse("a = \"`^?!@*&\\\\$+\"").Should().Be("`^?!@*&\\$+");

    [Fact]
    public void True_false_and_null_alone_keep_their_type_but_quoted_they_are_strings() =>
        TestHocon.Canonical("""a = true, b = false, c = null, d = "true", e = truefoo, f = footrue""")
            .Should().Be("""{a:true,b:false,c:null,d:"true",e:"truefoo",f:"footrue"}""");

    [Fact]
    public void A_number_followed_by_text_is_a_string_as_written() =>
        TestHocon.Canonical("a = 10.0bar, b = bar10.0, c = 1.2.3, d = 2024-01-31, e = 10.0.0.1, f = -foo")
            .Should().Be("""{a:"10.0bar",b:"bar10.0",c:"1.2.3",d:"2024-01-31",e:"10.0.0.1",f:"-foo"}""");

    [Fact]
    public void Numbers_keep_the_form_they_were_written_in() =>
        TestHocon.Canonical("a = 1e5, b = -0.50, c = 007").Should().Be("{a:1e5,b:-0.50,c:007}");

    [Fact]
    public void Triple_quoted_strings_span_lines_and_take_no_escapes() =>
        Parse("a = \"\"\"line one\n  \"quoted\" \\n\nline three\"\"\"").Should().Be("line one\n  \"quoted\" \\n\nline three");

    [Fact]
    public void Extra_quotes_before_the_closing_triple_quote_belong_to_the_string() =>
        Parse("a = \"\"\"x\"\"\"\"\"").Should().Be("x\"\"");

    [Fact]
    public void Lines_after_a_multi_line_string_keep_their_numbers()
    {
        var config = TestHocon.Parse("a = \"\"\"one\ntwo\nthree\"\"\"\nb = 1");
        config.GetValue("b")!.Origin.Line.Should().Be(4);
    }

    [Fact]
    public void An_unterminated_triple_quoted_string_is_reported_where_it_starts()
    {
        var error = TestHocon.ParseError("x = 1\na = \"\"\"never\nclosed");
        (error.Line, error.Column).Should().Be((2, 5));
        error.Reason.Should().Contain("unterminated multi-line string");
    }

    private static string Parse(string text) => TestHocon.Parse(text).GetString("a");
}

using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Path expressions" and "Paths as keys".</summary>
public sealed class PathsTests
{
    [Fact]
    public void A_dotted_key_creates_nested_objects() =>
        TestHocon.Canonical("foo.bar.baz = 42").Should().Be("{foo:{bar:{baz:42}}}");

    [Fact]
    public void Dotted_keys_merge_like_duplicate_objects() =>
        TestHocon.Canonical("a.x = 42, a.y = 43").Should().Be(TestHocon.Canonical("a { x = 42, y = 43 }"));

    [Fact]
    public void Quoted_segments_keep_their_dots() =>
        TestHocon.Canonical("""foo.bar."hello.world" = 1""").Should().Be("""{foo:{bar:{"hello.world":1}}}""");

    [Fact]
    public void Whitespace_inside_a_key_is_part_of_it() =>
        TestHocon.Parse("a b c : 42").Root.Keys.Should().Equal("a b c");

    [Fact]
    public void Keys_are_always_strings_and_dots_in_numbers_separate_segments()
    {
        TestHocon.Canonical("true : 42").Should().Be("{true:42}");
        TestHocon.Canonical("3 : 42").Should().Be("{3:42}");
        TestHocon.Canonical("3.14 : 42").Should().Be("{3:{14:42}}");
        TestHocon.Canonical("10.0foo : 1").Should().Be("{10:{0foo:1}}");
        TestHocon.Canonical("foo10.0 : 1").Should().Be("{foo10:{0:1}}");
        TestHocon.Canonical("foo\"10.0\" : 1").Should().Be("{\"foo10.0\":1}");
    }

    [Fact]
    public void An_empty_segment_must_be_quoted() =>
        TestHocon.Canonical("""a."".b = 1""").Should().Be("""{a:{"":{b:1}}}""");

    [Theory]
    [InlineData("a..b = 1", 3)]
    [InlineData(".a = 1", 1)]
    [InlineData("a. = 1", 2)]
    public void Empty_unquoted_segments_are_errors(string text, int column)
    {
        var error = TestHocon.ParseError(text);
        error.Reason.Should().Contain("empty element");
        error.Column.Should().Be(column);
    }

    [Fact]
    public void Substitutions_are_not_allowed_in_keys() =>
        TestHocon.ParseError("a.${b} = 1").Reason.Should().Be("substitutions are not allowed in keys");

    [Fact]
    public void The_word_include_may_appear_later_in_a_key_or_as_a_value() =>
        TestHocon.Canonical("""foo include : 42, b = include, c = [include], "include" = 1""")
            .Should().Be("""{"foo include":42,b:"include",c:["include"],"include":1}""");

    [Fact]
    public void Path_parse_and_render_round_trip()
    {
        HoconPath.Parse("""a.b."c.d"."" """.Trim()).Should().Equal("a", "b", "c.d", "");
        HoconPath.Render(["a", "b", "c.d", "", "include"]).Should().Be("""a.b."c.d"."".include""");
        HoconPath.Render(["include", "x y"]).Should().Be("\"include\".\"x y\"");
    }
}

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Comments".</summary>
public sealed class CommentsTests
{
    [Fact]
    public void Hash_and_double_slash_start_comments_that_run_to_the_end_of_the_line() =>
        TestHocon.Canonical("""
            # a comment
            a = 1 # after a value
            // another comment
            b = 2 // after a value
            """).Should().Be("{a:1,b:2}");

    [Fact]
    public void Comment_markers_inside_quoted_strings_are_text() =>
        TestHocon.Canonical("""
            a = "# not a comment"
            b = "// nor this"
            """).Should().Be("""{a:"# not a comment",b:"// nor this"}""");

    [Fact]
    public void A_double_slash_ends_an_unquoted_string_but_a_single_slash_does_not() =>
        TestHocon.Canonical("a = foo/bar//comment").Should().Be("""{a:"foo/bar"}""");

    [Fact]
    public void A_comment_still_ends_the_line_so_it_separates_fields() =>
        TestHocon.Canonical("a = 1 # one\nb = 2").Should().Be("{a:1,b:2}");

    [Fact]
    public void A_file_of_only_comments_is_an_empty_object() =>
        TestHocon.Canonical("# nothing\n// here\n").Should().Be("{}");

    [Fact]
    public void A_comment_between_key_and_value_is_not_allowed_on_the_same_line() =>
        TestHocon.ParseError("a # comment\n = 1").Reason.Should().Contain("expected ':', '=' or '{' after key 'a'");
}

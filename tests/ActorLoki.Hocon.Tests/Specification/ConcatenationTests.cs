namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Value concatenation" (strings, arrays, objects).</summary>
public sealed class ConcatenationTests
{
    [Fact]
    public void Simple_values_on_one_line_join_with_the_whitespace_between_them() =>
        TestHocon.Parse("a =   foo  bar \"baz qux\"  1.0  true null   ").GetString("a").Should().Be("foo  bar baz qux  1.0  true null");

    [Fact]
    public void Unquoted_words_and_the_same_quoted_string_are_equal() =>
        TestHocon.Parse("a = foo bar, b = \"foo bar\"").GetString("a").Should().Be(TestHocon.Parse("b = \"foo bar\"").GetString("b"));

    [Fact]
    public void A_single_value_is_never_turned_into_a_string()
    {
        var config = TestHocon.Parse("a = true, b = 42");
        config.GetValue("a")!.Type.Should().Be(HoconValueType.Boolean);
        config.GetValue("b")!.Type.Should().Be(HoconValueType.Number);
    }

    [Fact]
    public void Arrays_side_by_side_are_appended() =>
        TestHocon.Canonical("a = [1, 2] [3, 4]").Should().Be("{a:[1,2,3,4]}");

    [Fact]
    public void Objects_side_by_side_are_merged() =>
        TestHocon.Canonical("a : { b : 1, c : 1 } { c : 2 }").Should().Be("{a:{b:1,c:2}}");

    [Fact]
    public void Objects_and_strings_cannot_be_concatenated()
    {
        var error = TestHocon.ParseError("a = { b = 1 } foo");
        error.Reason.Should().Be("cannot concatenate an object with a string (only strings, arrays with arrays, or objects with objects)");
        error.Column.Should().Be(15);
    }

    [Fact]
    public void Arrays_and_objects_cannot_be_concatenated() =>
        TestHocon.ParseError("a = [1] { b = 1 }").Reason.Should().StartWith("cannot concatenate an array with an object");

    [Fact]
    public void A_newline_ends_a_concatenation()
    {
        TestHocon.Canonical("a = [ [1, 2] [3, 4] ]").Should().Be("{a:[[1,2,3,4]]}");
        TestHocon.Canonical("a = [ [1, 2]\n [3, 4] ]").Should().Be("{a:[[1,2],[3,4]]}");
        TestHocon.Canonical("a = [ 1 2 3 4 ]").Should().Be("""{a:["1 2 3 4"]}""");
    }

    [Fact]
    public void Substituted_strings_concatenate_with_their_surroundings() =>
        TestHocon.Parse("name = world, a = hello ${name}\"!\"").GetString("a").Should().Be("hello world!");

    [Fact]
    public void Object_inheritance_through_substitution() =>
        TestHocon.Canonical("""
            data-center-generic = { cluster-size = 6 }
            data-center-east = ${data-center-generic} { name = "east" }
            """).Should().Be("""{data-center-generic:{cluster-size:6},data-center-east:{cluster-size:6,name:"east"}}""");

    [Fact]
    public void Unquoted_whitespace_between_substituted_arrays_is_ignored() =>
        TestHocon.Canonical("a = [1], b = [2], c = ${a} ${b}").Should().Be("{a:[1],b:[2],c:[1,2]}");

    [Fact]
    public void A_substituted_object_cannot_join_a_string()
    {
        var error = TestHocon.ParseError("a = { x = 1 }\nb = foo ${a}");
        (error.Line, error.Column).Should().Be((2, 9));
        error.Reason.Should().Contain("cannot concatenate a string with an object");
    }

    [Fact]
    public void A_substitution_of_null_becomes_empty_text_in_a_concatenation() =>
        TestHocon.Parse("n = null, a = x${n}y").GetString("a").Should().Be("xy");
}

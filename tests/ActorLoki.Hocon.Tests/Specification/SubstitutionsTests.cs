namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Substitutions", "Self-Referential Substitutions" and "The += field separator".</summary>
public sealed class SubstitutionsTests
{
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["HOME"] = "/home/loki",
        ["EMPTY"] = "",
        ["a.b"] = "from env",
    };

    [Fact]
    public void A_substitution_takes_the_value_and_type_of_its_path() =>
        TestHocon.Canonical("a = { b = 1 }, c = ${a.b}, d = ${a}").Should().Be("{a:{b:1},c:1,d:{b:1}}");

    [Fact]
    public void Substitutions_look_forward_at_the_final_value() =>
        TestHocon.Canonical("a = ${b}, b = 1, b = 2").Should().Be("{a:2,b:2}");

    [Fact]
    public void Substitutions_are_absolute_paths_from_the_root() =>
        TestHocon.Canonical("x = 1, a { x = 2, y = ${x} }").Should().Be("{x:1,a:{x:2,y:1}}");

    [Fact]
    public void An_unset_path_falls_back_to_the_environment() =>
        TestHocon.Parse("home = ${HOME}, nested = ${a.b}", Environment).GetString("home").Should().Be("/home/loki");

    [Fact]
    public void A_value_from_the_environment_names_the_variable_in_its_origin() =>
        TestHocon.Parse("home = ${HOME}", Environment).GetValue("home")!.Origin.ToString()
            .Should().Be("test.conf:1:8 (environment variable HOME)");

    [Fact]
    public void A_path_set_to_null_is_not_looked_up_in_the_environment() =>
        TestHocon.Canonical("HOME = null, h = ${HOME}", Environment).Should().Be("{HOME:null,h:null}");

    [Fact]
    public void An_empty_environment_variable_counts_as_unset() =>
        TestHocon.Canonical("a = ${?EMPTY}", Environment).Should().Be("{}");

    [Fact]
    public void A_missing_required_substitution_is_an_error_at_its_position()
    {
        var error = TestHocon.ParseError("a = 1\nb = x ${missing.path}");
        (error.Line, error.Column).Should().Be((2, 7));
        error.Reason.Should().StartWith("could not resolve ${missing.path}: missing.path is not set and there is no environment variable missing.path");
    }

    [Fact]
    public void An_undefined_optional_substitution_leaves_no_field_and_keeps_the_previous_value() =>
        TestHocon.Canonical("a = ${?nope}, b = 1, b = ${?nope}, c = ${?x}${?y}").Should().Be("{b:1}");

    [Fact]
    public void An_undefined_optional_substitution_is_empty_text_in_a_string() =>
        TestHocon.Parse("a = x${?nope}y").GetString("a").Should().Be("xy");

    [Fact]
    public void Objects_can_refer_to_paths_inside_themselves() =>
        TestHocon.Canonical("bar : { foo : 42, baz : ${bar.foo} }").Should().Be("{bar:{foo:42,baz:42}}");

    [Fact]
    public void A_reference_inside_an_object_sees_later_overrides_of_the_object() =>
        TestHocon.Canonical("bar : { foo : 42, baz : ${bar.foo} }\nbar : { foo : 43 }").Should().Be("{bar:{foo:43,baz:43}}");

    [Fact]
    public void Mutually_referring_objects_resolve() =>
        TestHocon.Canonical("""
            bar : { a : ${foo.d}, b : 1 }
            bar.b = 3
            foo : { c : ${bar.b}, d : 2 }
            foo.d = 4
            """).Should().Be("{bar:{a:4,b:3},foo:{c:3,d:4}}");

    [Fact]
    public void A_self_reference_sees_the_previous_value() =>
        TestHocon.Parse("path : \"a:b:c\"\npath : ${path}\":d\"").GetString("path").Should().Be("a:b:c:d");

    [Fact]
    public void Self_references_chain_through_several_definitions() =>
        TestHocon.Parse("a = 1, a = ${a}2, a = ${a}3").GetString("a").Should().Be("123");

    [Fact]
    public void A_self_referential_array_appends() =>
        TestHocon.Canonical("path = [ /bin ]\npath = ${path} [ /usr/bin ]").Should().Be("""{path:["/bin","/usr/bin"]}""");

    [Fact]
    public void A_self_reference_to_an_object_merges_with_the_new_fields() =>
        TestHocon.Canonical("foo : { a : 1 }\nfoo : ${foo} { b : 2 }").Should().Be("{foo:{a:1,b:2}}");

    [Fact]
    public void A_self_reference_through_a_longer_path_looks_below() =>
        TestHocon.Canonical("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }").Should().Be("{foo:{a:2,c:1}}");

    [Fact]
    public void An_optional_self_reference_without_a_previous_value_is_undefined()
    {
        TestHocon.Parse("a = ${?a}foo").GetString("a").Should().Be("foo");
        TestHocon.Canonical("foo : ${?foo}").Should().Be("{}");
    }

    [Fact]
    public void A_self_reference_without_a_previous_value_is_an_error()
    {
        var error = TestHocon.ParseError("foo : ${foo}");
        error.Reason.Should().Be("${foo} refers to itself and there is no earlier value of foo to use");
        (error.Line, error.Column).Should().Be((1, 7));
    }

    [Fact]
    public void A_self_reference_without_a_previous_value_may_still_come_from_the_environment() =>
        TestHocon.Parse("HOME = ${HOME}/bin", Environment).GetString("HOME").Should().Be("/home/loki/bin");

    [Fact]
    public void A_hidden_substitution_is_never_evaluated() =>
        TestHocon.Canonical("foo : ${does-not-exist}\nfoo : 42\nbar : ${bar}\nbar : 1").Should().Be("{foo:42,bar:1}");

    [Fact]
    public void A_cycle_is_an_error_that_names_its_links()
    {
        var error = TestHocon.ParseError("a : ${b}\nb : ${c}\nc : ${a}");
        error.Reason.Should().Be("substitution cycle: ${b} -> ${c} -> ${a} -> ${b}");
    }

    [Fact]
    public void Two_substitutions_of_each_other_are_a_cycle() =>
        TestHocon.ParseError("bar : ${foo}\nfoo : ${bar}").Reason.Should().StartWith("substitution cycle:");

    [Fact]
    public void An_object_that_contains_a_reference_to_itself_is_an_error() =>
        TestHocon.ParseError("a : { b : ${a} }").Reason.Should().Contain("infinitely deep");

    [Fact]
    public void An_array_that_contains_a_reference_to_itself_is_an_error() =>
        TestHocon.ParseError("a : [${a}]").Reason.Should().NotBeEmpty();

    [Fact]
    public void Both_sides_of_an_order_dependent_cycle_get_the_same_value()
    {
        var config = TestHocon.Parse("a : 1\nb : 2\na : ${b}\nb : ${a}");
        config.GetInt("a").Should().Be(config.GetInt("b"));
    }

    [Fact]
    public void Plus_equals_appends_to_an_array() =>
        TestHocon.Canonical("a = [1], a += 2, a += [3]").Should().Be("{a:[1,2,[3]]}");

    [Fact]
    public void Plus_equals_may_be_the_first_mention() =>
        TestHocon.Canonical("a += 1\na += 2\nb { c += x }").Should().Be("""{a:[1,2],b:{c:["x"]}}""");

    [Fact]
    public void Plus_equals_on_a_non_array_is_an_error() =>
        TestHocon.ParseError("a = 1\na += 2").Reason.Should().StartWith("cannot concatenate a string with an array");

    [Fact]
    public void A_substitution_path_may_quote_segments_and_hold_whitespace() =>
        TestHocon.Parse("\"a.b\" { c = 1 }\nx = ${ \"a.b\".c }").GetInt("x").Should().Be(1);

    [Theory]
    [InlineData("a = ${}", "empty substitution")]
    [InlineData("a = ${b", "unterminated substitution")]
    [InlineData("a = ${b\n}", "unterminated substitution")]
    [InlineData("a = ${b.${c}}", "'$' is not allowed in a substitution path")]
    [InlineData("a = ${b..c}", "empty element")]
    public void Malformed_substitutions_are_errors(string text, string reason) =>
        TestHocon.ParseError(text).Reason.Should().Contain(reason);

    [Fact]
    public void A_chain_of_substitutions_deeper_than_the_limit_is_an_error_not_a_crash()
    {
        var text = string.Join('\n', Enumerable.Range(0, 2000).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na2000 = 1";
        TestHocon.ParseError(text).Reason.Should().Contain("levels deep");
    }
}

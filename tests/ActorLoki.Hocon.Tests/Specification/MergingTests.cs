using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Duplicate keys" and "Config object merging and file merging".</summary>
public sealed class MergingTests
{
    [Fact]
    public void Duplicate_objects_merge() =>
        TestHocon.Canonical("""foo : { a : 42 }, foo : { b : 43 }""").Should().Be("{foo:{a:42,b:43}}");

    [Fact]
    public void Later_non_object_values_win() =>
        TestHocon.Canonical("a = 1, a = 2, b = { x = 1 }, b = 3").Should().Be("{a:2,b:3}");

    [Fact]
    public void Merging_is_deep_and_later_wins_at_every_level() =>
        TestHocon.Canonical("""
            a { b { c = 1, d = 2 }, e = 3 }
            a { b { d = 20, f = 4 } }
            a.b.c = 10
            """).Should().Be("{a:{b:{c:10,d:20,f:4},e:3}}");

    [Fact]
    public void A_non_object_in_between_stops_two_objects_from_merging() =>
        TestHocon.Canonical("""foo : { a : 42 }, foo : null, foo : { b : 43 }""").Should().Be("{foo:{b:43}}");

    [Fact]
    public void Arrays_are_replaced_not_merged() =>
        TestHocon.Canonical("a = [1, 2], a = [3]").Should().Be("{a:[3]}");

    [Fact]
    public void With_fallback_merges_files_exactly_like_duplicate_keys()
    {
        var first = Config.ParseString("a : { x : 1 }");
        var fallback = Config.ParseString("a : 42");
        var another = Config.ParseString("a : { y : 2 }");

        var hidden = first.WithFallback(fallback).WithFallback(another).Resolve(HoconEnvironment.Empty);
        TestHocon.Canonical(hidden.Root).Should().Be("{a:{x:1}}");

        var adjacent = first.WithFallback(another).WithFallback(fallback).Resolve(HoconEnvironment.Empty);
        TestHocon.Canonical(adjacent.Root).Should().Be("{a:{y:2,x:1}}", because: "fields keep the order in which they were first defined");
    }

    [Fact]
    public void Every_value_remembers_where_it_was_set_after_merging()
    {
        var user = Config.ParseString("a.b = 2\n", "application.conf");
        var reference = Config.ParseString("a {\n  b = 1\n  c = 3\n}\n", "reference.conf");

        var config = user.WithFallback(reference).Resolve(HoconEnvironment.Empty);

        config.GetValue("a.b")!.Origin.ToString().Should().Be("application.conf:1:7");
        config.GetValue("a.c")!.Origin.ToString().Should().Be("reference.conf:3:7");
    }

    [Fact]
    public void With_value_sets_a_path_over_an_object() =>
        TestHocon.Canonical(
            TestHocon.Parse("a { b = 1, c = 2 }").Root.WithValue(["a", "b"], HoconValue.String("x", new HoconOrigin("command line"))))
            .Should().Be("""{a:{b:"x",c:2}}""");
}

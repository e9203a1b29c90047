using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests.Specification;

/// <summary>Specification, "Includes" (syntax, merging, substitution, missing and required files, locating files).</summary>
public sealed class IncludesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Config Load(string relativePath) =>
        Config.ParseFile(System.IO.Path.Combine(_dir.Path, relativePath)).Resolve(HoconEnvironment.Empty);

    [Fact]
    public void An_included_file_is_merged_in_place_of_the_statement()
    {
        _dir.Write("other.conf", "b = 2\nc = 3");
        _dir.Write("main.conf", "a = 1\nc = 0\ninclude \"other.conf\"\nb = 20");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{a:1,c:3,b:20}");
    }

    [Fact]
    public void Includes_are_relative_to_the_including_file_not_the_working_directory()
    {
        _dir.Write("conf/nested/deep.conf", "deep = true");
        _dir.Write("conf/child.conf", "include \"nested/deep.conf\"\nchild = 1");
        _dir.Write("main.conf", "include \"conf/child.conf\"");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{deep:true,child:1}");
    }

    [Fact]
    public void File_and_required_forms_are_accepted_with_whitespace_inside_the_parentheses()
    {
        _dir.Write("a.conf", "a = 1");
        _dir.Write("b.conf", "b = 2");
        _dir.Write("c.conf", "c = 3");
        _dir.Write("main.conf", "include file(\"a.conf\")\ninclude required( \"b.conf\" )\ninclude required(file(\"c.conf\"))");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{a:1,b:2,c:3}");
    }

    [Fact]
    public void A_missing_include_is_silently_ignored()
    {
        _dir.Write("main.conf", "include \"absent.conf\"\na = 1");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{a:1}");
    }

    [Fact]
    public void A_missing_required_include_is_an_error_at_the_statement()
    {
        var main = _dir.Write("main.conf", "a = 1\n  include required(\"absent.conf\")");

        var error = Assert.Throws<HoconException>(() => Config.ParseFile(main));
        (error.Description, error.Line, error.Column).Should().Be((main, 2, 3));
        error.Reason.Should().Be("required include \"absent.conf\" was not found");
        error.SourceLine.Should().Be("  include required(\"absent.conf\")");
    }

    [Fact]
    public void An_include_inside_an_object_lands_under_its_key_and_its_substitutions_are_fixed_up()
    {
        _dir.Write("foo.conf", "x : 10, y : ${x}");
        _dir.Write("main.conf", "a : { include \"foo.conf\" }\na : { x : 42 }");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{a:{x:42,y:42}}");
    }

    [Fact]
    public void A_substitution_in_an_included_file_also_finds_paths_from_the_root()
    {
        _dir.Write("foo.conf", "url : ${base-url}\"/push\"");
        _dir.Write("main.conf", "base-url = \"http://loki\"\nloki { include \"foo.conf\" }");

        Load("main.conf").GetString("loki.url").Should().Be("http://loki/push");
    }

    [Fact]
    public void Plus_equals_in_an_included_file_appends_to_its_own_field()
    {
        _dir.Write("more.conf", "list += 2");
        _dir.Write("main.conf", "list = [0]\nsection { list = [1], include \"more.conf\" }");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{list:[0],section:{list:[1,2]}}");
    }

    [Fact]
    public void A_name_without_extension_loads_json_then_conf()
    {
        _dir.Write("base.json", """{ "a": 1, "b": 1 }""");
        _dir.Write("base.conf", "b = 2");
        _dir.Write("main.conf", "include \"base\"");

        TestHocon.Canonical(Load("main.conf").Root).Should().Be("{a:1,b:2}");
    }

    [Fact]
    public void Errors_in_an_included_file_name_that_file()
    {
        var other = _dir.Write("other.conf", "ok = 1\nbad = {");
        var main = _dir.Write("main.conf", "include \"other.conf\"");

        var error = Assert.Throws<HoconException>(() => Config.ParseFile(main));
        error.Description.Should().Be(other);
        error.Line.Should().Be(2);
    }

    [Fact]
    public void Include_cycles_are_errors()
    {
        _dir.Write("a.conf", "include \"b.conf\"");
        var main = _dir.Write("b.conf", "include \"a.conf\"");

        Assert.Throws<HoconException>(() => Config.ParseFile(main)).Reason.Should().Be("include cycle: b.conf -> a.conf -> b.conf");
    }

    [Fact]
    public void An_included_file_must_hold_an_object()
    {
        _dir.Write("list.conf", "[1, 2]");
        var main = _dir.Write("main.conf", "include \"list.conf\"");

        Assert.Throws<HoconException>(() => Config.ParseFile(main)).Reason.Should().Contain("must be an object");
    }

    [Theory]
    [InlineData("include foo.conf")]
    [InlineData("include = \"x\"")]
    [InlineData("include required(\"x\"")]
    [InlineData("include unknown(\"x\")")]
    [InlineData("include required(\"x\")extra")]
    public void Malformed_includes_are_errors(string text) =>
        Assert.Throws<HoconException>(() => Config.ParseString(text, "main.conf", new HoconParseOptions { BaseDirectory = _dir.Path }))
            .Reason.Should().Contain("include");

    [Theory]
    [InlineData("include url(\"http://127.0.0.1:1/x.conf\")")]
    [InlineData("include \"https://127.0.0.1:1/x.conf\"")]
    [InlineData("include classpath(\"x.conf\")")]
    public void Url_and_classpath_includes_are_refused_rather_than_fetched_or_ignored(string text) =>
        Assert.Throws<HoconException>(() => Config.ParseString(text)).Reason.Should().EndWith("includes are not supported; include a file instead");

    [Fact]
    public void Includes_from_a_string_are_resolved_against_the_base_directory()
    {
        _dir.Write("x.conf", "x = 1");

        Config.ParseString("include \"x.conf\"", "inline", new HoconParseOptions { BaseDirectory = _dir.Path })
            .Resolve(HoconEnvironment.Empty).GetInt("x").Should().Be(1);
    }
}

using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests;

public sealed class RendererTests
{
    private const string Source = """
        b { z = 1, a = "two words", list = [x, "y z", 3], empty = {}, none = [] }
        a = 1MiB
        quoted { "dotted.key" = true, "include" = null, "x y" = "line\nbreak \"q\"" }
        objects = [{ k = v }, { k = w }]
        secret { token = hunter2 }
        """;

    [Fact]
    public void Rendering_sorts_keys_and_nests_blocks()
    {
        var text = HoconRenderer.Render(TestHocon.Parse(Source).Root);

        text.Should().Be("""
            a = 1MiB
            b {
              a = "two words"
              empty = {}
              list = [x, "y z", 3]
              none = []
              z = 1
            }
            objects = [
              {
                k = v
              }
              {
                k = w
              }
            ]
            quoted {
              "dotted.key" = true
              "include" = null
              "x y" = "line\nbreak \"q\""
            }
            secret {
              token = hunter2
            }

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Rendered_text_parses_back_to_the_same_tree()
    {
        var original = TestHocon.Parse(Source).Root;
        var rendered = HoconRenderer.Render(original);

        var reparsed = TestHocon.Parse(rendered).Root;

        TestHocon.Canonical(Sorted(reparsed)).Should().Be(TestHocon.Canonical(Sorted(original)));
    }

    [Fact]
    public void Quoting_everything_quotes_every_key_and_string_and_still_parses_back_to_the_same_tree()
    {
        var original = TestHocon.Parse(Source + "\nnumbers = [1e5, -2, 0.5]\n").Root;

        var rendered = HoconRenderer.Render(original, new HoconRenderOptions { QuoteAll = true });

        rendered.Should().Contain("\"a\" = \"1MiB\"").And.Contain("\"list\" = [\"x\", \"y z\", 3]").And.Contain("\"numbers\" = [\"1e5\", -2, 0.5]")
            .And.Contain("\"include\" = null").And.Contain("\"z\" = 1");
        rendered.Split('\n').Should().OnlyContain(static line => line.Trim().Length == 0 || "\"}]{".Contains(line.TrimStart()[0]));
        var reparsed = TestHocon.Parse(rendered).Root;
        TestHocon.Canonical(Sorted(reparsed)).Should().Be(TestHocon.Canonical(Sorted(original)).Replace("1e5", "\"1e5\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Origins_are_appended_as_comments_and_the_text_still_parses()
    {
        var config = Config.ParseString("a = 1\nb {\n  c = [1, 2]\n}", "reference.conf").Resolve(HoconEnvironment.Empty);

        var text = HoconRenderer.Render(config.Root, new HoconRenderOptions { Origins = true });

        text.Should().Be("a = 1  # reference.conf:1\nb {\n  c = [1, 2]  # reference.conf:3\n}\n");
        TestHocon.Canonical(TestHocon.Parse(text).Root).Should().Be("{a:1,b:{c:[1,2]}}");
    }

    [Fact]
    public void Secret_values_are_never_rendered()
    {
        var options = new HoconRenderOptions { Redact = (path, _) => path[^1] == "token" ? "<redacted>" : null };

        var text = HoconRenderer.Render(TestHocon.Parse(Source).Root, options);

        text.Should().Contain("token = \"<redacted>\"").And.NotContain("hunter2");
    }

    private static HoconObject Sorted(HoconObject obj) =>
        new(obj.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new KeyValuePair<string, HoconValue>(f.Key, f.Value switch
        {
            HoconObject child => Sorted(child),
            HoconArray array => new HoconArray(array.Items.Select(i => i is HoconObject o ? Sorted(o) : i), array.Origin),
            var other => other,
        })), obj.Origin);
}

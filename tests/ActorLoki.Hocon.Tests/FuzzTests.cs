using System.Text;
using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests;

/// <summary>
/// Random and truncated inputs end in a parsed tree or a <see cref="FormatException"/>, never in
/// another exception, a stack overflow or a hang. Seeded, so a failure reproduces.
/// </summary>
public sealed class FuzzTests
{
    private const string ValidDocument = """
        # a little of everything the parser knows
        actorloki {
          cluster-name = "prod-eu"   // trailing comment
          kubernetes.namespaces = [payments, "web", ${?EXTRA_NAMESPACE}]
          loki {
            url = "http://loki:3100/loki/api/v1/push"
            batch { max-bytes = 1MiB, max-wait = 1s }
            headers { "X-Team" = payments }
          }
          base = { a = 1 }
          derived = ${actorloki.base} { b = 2 }
          list = [1, 2] [3]
          list += 4
          text = hello ${actorloki.cluster-name} "!"
          multi = \"\"\"line one
        line "two"\"\"\"
          path : a.b."c.d"
          nested { deep { deeper = [{ x = 1 }, { y = [true, false, null, -1.5e3] }] } }
        }
        """;

    [Fact]
    public void Every_prefix_of_a_valid_file_parses_or_fails_with_a_format_exception()
    {
        var text = ValidDocument.Replace("\\\"", "\"", StringComparison.Ordinal);
        TestHocon.Parse(text).GetString("actorloki.text").Should().Be("hello prod-eu !");

        for (var length = 0; length <= text.Length; length++)
        {
            ParseAndResolve(text[..length]);
        }
    }

    [Fact]
    public void Every_suffix_of_a_valid_file_parses_or_fails_with_a_format_exception()
    {
        var text = ValidDocument.Replace("\\\"", "\"", StringComparison.Ordinal);
        for (var start = 0; start <= text.Length; start++)
        {
            ParseAndResolve(text[start..]);
        }
    }

    [Fact]
    public void Random_bytes_never_produce_anything_but_a_format_exception()
    {
        var random = new Random(20240601);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            Guard(() => HoconParser.Parse(bytes, "random.conf"));
        }
    }

    [Fact]
    public void Random_token_soup_never_produces_anything_but_a_format_exception()
    {
        string[] pieces =
        [
            "{", "}", "[", "]", ",", ":", "=", "+=", "\n", " ", "\t", "a", "b.c", "\"q\"", "\"\"\"", "\"", "${a}", "${?b}", "${",
            "include", "required(", "file(", ")", "\"x.conf\"", "#", "//", "1", "-", "1.5", "1e3", "true", "null", ".", "$", "\\", "?",
            "a = ${a} [1]", "a += 1", "\"a.b\"", "\r\n", "\u00A0", "\uFEFF", "x=${x}", "y { z = ${y} }",
        ];
        var random = new Random(424242);
        for (var i = 0; i < 5000; i++)
        {
            var text = new StringBuilder();
            var count = random.Next(1, 40);
            for (var p = 0; p < count; p++)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }

            ParseAndResolve(text.ToString());
        }
    }

    [Fact]
    public void Random_characters_never_produce_anything_but_a_format_exception()
    {
        var random = new Random(7);
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(0, 120)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = random.Next(4) == 0 ? (char)random.Next(0, 0xFFFF) : "{}[]:=,\"$ \n.ab1#/+?"[random.Next(19)];
            }

            ParseAndResolve(new string(chars));
        }
    }

    [Theory]
    [InlineData("a = ", "{a = ", "}")]
    [InlineData("a", "{a", "}")]
    [InlineData("a = ", "[", "]")]
    public void Deep_nesting_is_an_error_not_a_stack_overflow(string prefix, string open, string close)
    {
        var text = prefix + string.Concat(Enumerable.Repeat(open, 100_000)) + "1" + string.Concat(Enumerable.Repeat(close, 100_000));
        var error = Assert.Throws<HoconException>(() => HoconParser.Parse(text));
        error.Reason.Should().Contain("nest deeper than 100 levels");
    }

    [Fact]
    public void Nesting_up_to_the_limit_parses()
    {
        var text = "a = " + new string('[', 99) + new string(']', 99);
        HoconParser.Parse(text).Fields.Should().ContainKey("a");
    }

    [Fact]
    public void Deep_dotted_keys_are_limited_like_nesting()
    {
        var text = string.Join('.', Enumerable.Repeat("k", 50_000)) + " = 1";
        Assert.Throws<HoconException>(() => HoconParser.Parse(text)).Reason.Should().Contain("deeper than 100 levels");
    }

    [Theory]
    [InlineData("a = [1]", "a = ${a} ${a}")]
    [InlineData("a = x", "a = ${a}${a}")]
    public void Doubling_self_references_are_refused_before_they_exhaust_memory(string first, string doubling)
    {
        var text = first + "\n" + string.Join('\n', Enumerable.Repeat(doubling, 40));
        TestHocon.ParseError(text).Reason.Should().Contain("grows beyond 1000000");
    }

    [Fact]
    public void A_small_object_substituted_exponentially_is_refused()
    {
        var text = "a0 = { v = 1 }\n" + string.Join('\n', Enumerable.Range(1, 40).Select(i => $"a{i} = {{ x = ${{a{i - 1}}}, y = ${{a{i - 1}}} }}"));
        TestHocon.ParseError(text).Reason.Should().Contain("expands to more than 1000000 values");
    }

    private static void ParseAndResolve(string text) =>
        Guard(() => Config.ParseString(text, "fuzz.conf").Resolve(HoconEnvironment.Empty));

    private static void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (HoconException e)
        {
            // The only failure allowed; it always says where.
            e.Should().BeAssignableTo<FormatException>();
            e.Message.Should().StartWith(e.Origin.ToString() + ": ");
        }
    }
}

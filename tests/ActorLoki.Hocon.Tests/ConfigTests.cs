using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests;

/// <summary>The Akka-style facade: typed getters with the specification's automatic conversions.</summary>
public sealed class ConfigTests
{
    private readonly Config _config = TestHocon.Parse("""
        s = text, n = 42, big = 9000000000, d = 2.5, t = yes, f = off, q = "17"
        section { inner = 1, list = [a, b] }
        nothing = null
        """);

    [Fact]
    public void Getters_convert_as_the_specification_recommends()
    {
        _config.GetString("s").Should().Be("text");
        _config.GetString("n").Should().Be("42");
        _config.GetInt("n").Should().Be(42);
        _config.GetInt("q").Should().Be(17);
        _config.GetLong("big").Should().Be(9_000_000_000);
        _config.GetDouble("d").Should().Be(2.5);
        _config.GetBoolean("t").Should().BeTrue();
        _config.GetBoolean("f").Should().BeFalse();
        _config.GetStringList("section.list").Should().Equal("a", "b");
    }

    [Fact]
    public void Has_path_is_false_for_missing_and_null_values()
    {
        _config.HasPath("s").Should().BeTrue();
        _config.HasPath("section.inner").Should().BeTrue();
        _config.HasPath("nothing").Should().BeFalse();
        _config.HasPath("section.absent").Should().BeFalse();
        _config.HasPath("s.deeper").Should().BeFalse();
    }

    [Fact]
    public void Sub_configs_read_relative_paths_and_report_full_ones()
    {
        var section = _config.GetConfig("section");
        section.GetInt("inner").Should().Be(1);

        var error = Assert.Throws<HoconException>(() => section.GetBoolean("inner"));
        error.Reason.Should().Be("section.inner = 1: expected true or false");
    }

    [Fact]
    public void Missing_and_mistyped_values_are_errors_that_name_the_key()
    {
        Assert.Throws<HoconException>(() => _config.GetString("absent")).Reason.Should().Be("absent is not set");
        Assert.Throws<HoconException>(() => _config.GetString("nothing")).Reason.Should().Be("nothing is not set");
        Assert.Throws<HoconException>(() => _config.GetInt("big")).Reason.Should().Be("big = 9000000000: expected a whole number");
        Assert.Throws<HoconException>(() => _config.GetStringList("s")).Reason.Should().StartWith("s = \"text\": expected a list");
        Assert.Throws<HoconException>(() => _config.GetConfig("s")).Reason.Should().Be("s = \"text\": expected an object { ... }");
    }

    [Fact]
    public void An_unresolved_config_must_be_resolved_before_reading()
    {
        var unresolved = Config.ParseString("a = ${b}, b = 1");
        unresolved.IsResolved.Should().BeFalse();

        Assert.Throws<InvalidOperationException>(() => unresolved.GetInt("a"));
        unresolved.Resolve(HoconEnvironment.Empty).GetInt("a").Should().Be(1);
    }

    [Fact]
    public void Layers_resolve_together_so_a_later_file_can_refer_to_an_earlier_one()
    {
        var reference = Config.ParseString("base-url = \"http://localhost\", url = ${base-url}/push", "reference.conf");
        var user = Config.ParseString("base-url = \"http://loki\"", "application.conf");

        user.WithFallback(reference).Resolve(HoconEnvironment.Empty).GetString("url").Should().Be("http://loki/push");
    }
}

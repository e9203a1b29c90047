using ActorLoki.Shipper.Discovery;

namespace ActorLoki.Shipper.Tests.Discovery;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("web-*", "web-7f9c", true)]
    [InlineData("web-*", "web-", true)]
    [InlineData("web-*", "api-1", false)]
    [InlineData("*-canary", "checkout-canary", true)]
    [InlineData("*-canary", "checkout-canary-2", false)]
    [InlineData("a*b*c", "a-xx-b-yy-c", true)]
    [InlineData("a*b*c", "a-xx-c-yy-b", false)]
    [InlineData("job-?", "job-1", true)]
    [InlineData("job-?", "job-12", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "Exact", false)]
    [InlineData("*", "", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("**a", "bba", true)]
    public void Patterns_match_like_a_shell(string pattern, string name, bool expected) =>
        new GlobPattern(pattern).IsMatch(name).Should().Be(expected);

    [Fact]
    public void A_pathological_pattern_does_not_blow_up()
    {
        var name = new string('a', 5000);

        new GlobPattern("*a*a*a*a*a*a*a*b").IsMatch(name).Should().BeFalse();
    }

    [Fact]
    public void Excludes_win_over_includes_and_an_empty_include_list_includes_everything()
    {
        var filter = new NameFilter(["web-*", "api-*"], ["*-canary"]);

        filter.Allows("web-1").Should().BeTrue();
        filter.Allows("web-canary").Should().BeFalse();
        filter.Allows("db-0").Should().BeFalse();
        new NameFilter([], ["istio-proxy"]).Allows("app").Should().BeTrue();
        new NameFilter([], ["istio-proxy"]).Allows("istio-proxy").Should().BeFalse();
    }
}

using ActorLoki.Shipper.Discovery;

namespace ActorLoki.Shipper.Tests.Discovery;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Replica = new()
    {
        ["app.kubernetes.io/name"] = "actorloki",
        ["tier"] = "logging",
        ["pod-template-hash"] = "7d9f",
    };

    [Theory]
    [InlineData("", true)]
    [InlineData("app.kubernetes.io/name=actorloki", true)]
    [InlineData("app.kubernetes.io/name==actorloki", true)]
    [InlineData("app.kubernetes.io/name=web", false)]
    [InlineData("app.kubernetes.io/name=actorloki,tier=logging", true)]
    [InlineData("app.kubernetes.io/name=actorloki, tier=db", false)]
    [InlineData("tier!=db", true)]
    [InlineData("tier!=logging", false)]
    [InlineData("missing!=x", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!canary", true)]
    [InlineData("tier in (logging, metrics)", true)]
    [InlineData("tier in (web,db)", false)]
    [InlineData("tier notin (web,db)", true)]
    [InlineData("tier notin (logging)", false)]
    [InlineData("missing in (a)", false)]
    [InlineData("app.kubernetes.io/name=actorloki,tier in (logging,metrics),!canary", true)]
    public void A_selector_matches_labels_as_the_API_server_does(string selector, bool matches) =>
        LabelSelector.Parse(selector).Matches(Replica).Should().Be(matches);

    [Fact]
    public void A_pod_without_labels_matches_only_selectors_that_need_no_label() =>
        (LabelSelector.Parse("!canary").Matches(null), LabelSelector.Parse("app=x").Matches(null)).Should().Be((true, false));

    [Theory]
    [InlineData("=x")]
    [InlineData("tier in logging")]
    [InlineData("a b")]
    public void A_malformed_selector_is_refused_with_the_selector_named(string selector) =>
        FluentActions.Invoking(() => LabelSelector.Parse(selector)).Should().Throw<FormatException>().WithMessage($"*\"{selector}\"*");
}

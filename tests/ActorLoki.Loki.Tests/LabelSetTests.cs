using System.Text;
using ActorLoki.Loki;

namespace ActorLoki.Loki.Tests;

public sealed class LabelSetTests
{
    [Fact]
    public void Labels_are_sorted_by_name_and_rendered_in_prometheus_text_form()
    {
        var labels = new LabelSetBuilder().Set("namespace", "dev1").Set("app", "api").Set("container", "main").Build();

        labels.Text.Should().Be("{app=\"api\", container=\"main\", namespace=\"dev1\"}");
        labels.Labels.Select(l => l.Name).Should().Equal("app", "container", "namespace");
        labels["app"].Should().Be("api");
        labels["missing"].Should().BeNull();
    }

    [Fact]
    public void Label_sets_with_the_same_labels_are_equal_whatever_the_order_they_were_set_in()
    {
        var first = new LabelSetBuilder().Set("a", "1").Set("b", "2").Build();
        var second = new LabelSetBuilder().Set("b", "2").Set("a", "1").Build();
        var other = new LabelSetBuilder().Set("a", "1").Set("b", "3").Build();

        first.Should().Be(second);
        (first == second).Should().BeTrue();
        first.GetHashCode().Should().Be(second.GetHashCode());
        first.Should().NotBe(other);
        var byLabels = new Dictionary<LabelSet, int> { [first] = 1 };
        byLabels.Should().ContainKey(second);
        byLabels.Should().NotContainKey(other);
    }

    [Theory]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData(@"C:\path\to", @"C:\\path\\to")]
    [InlineData("two\nlines", @"two\nlines")]
    [InlineData("tab\tand\rreturn", @"tab\tand\rreturn")]
    [InlineData("bell\u0007", @"bell\x07")]
    [InlineData("ünïcödé 日本語 🚀", "ünïcödé 日本語 🚀")]
    [InlineData("it's", "it's")]
    public void Values_are_escaped_as_loki_parses_them_and_unicode_is_left_as_is(string value, string rendered)
    {
        var labels = new LabelSetBuilder().Set("v", value).Build();

        labels.Text.Should().Be($"{{v=\"{rendered}\"}}");
        labels["v"].Should().Be(value);
    }

    [Fact]
    public void An_empty_or_null_value_leaves_the_label_out_as_loki_does()
    {
        var labels = new LabelSetBuilder().Set("app", "api").Set("team", "").Set("tier", null).Build();

        labels.Text.Should().Be("{app=\"api\"}");
    }

    [Theory]
    [InlineData("app.kubernetes.io/name", "app_kubernetes_io_name")]
    [InlineData("1st", "_1st")]
    [InlineData("my-label", "my_label")]
    [InlineData("naïve", "na_ve")]
    [InlineData("emoji🚀", "emoji_")]
    [InlineData("_ok_9", "_ok_9")]
    public void Names_are_sanitised_to_what_loki_accepts(string name, string sanitised)
    {
        var builder = new LabelSetBuilder().Set(name, "x");
        var labels = builder.Build();

        labels.Labels.Single().Name.Should().Be(sanitised);
        LabelSetBuilder.IsValidName(sanitised).Should().BeTrue();
        if (name != sanitised)
        {
            builder.Problems.Should().ContainSingle(p => p.Kind == LabelProblemKind.NameSanitised && !p.IsError);
        }
    }

    [Theory]
    [InlineData("__name__")]
    [InlineData("__meta_pod")]
    [InlineData("_.x")]
    public void Reserved_names_are_refused_with_a_clear_error(string name)
    {
        var builder = new LabelSetBuilder().Set("app", "api").Set(name, "x");

        builder.TryBuild(out var labels, out var problems).Should().BeFalse();
        labels.Should().BeNull();
        problems.Should().ContainSingle(p => p.Kind == LabelProblemKind.NameReserved).Which.Message.Should().Contain(name).And.Contain("reserved");
        builder.Invoking(b => b.Build()).Should().Throw<LabelSetException>().WithMessage($"*'{name}'*reserved*");
    }

    [Fact]
    public void A_stream_without_labels_is_refused()
    {
        new LabelSetBuilder().Set("app", "").Invoking(b => b.Build())
            .Should().Throw<LabelSetException>().Which.Problems.Should().ContainSingle(p => p.Kind == LabelProblemKind.NoLabels);
    }

    [Fact]
    public void More_label_names_than_the_limit_are_refused_but_service_name_is_not_counted()
    {
        var limits = new LabelLimits(MaxLabelNames: 3);
        var three = new LabelSetBuilder(limits).Set("a", "1").Set("b", "2").Set("c", "3").Set("service_name", "s");
        var four = new LabelSetBuilder(limits).Set("a", "1").Set("b", "2").Set("c", "3").Set("d", "4");

        three.Build().Count.Should().Be(4);
        four.TryBuild(out _, out var problems).Should().BeFalse();
        problems.Should().ContainSingle(p => p.Kind == LabelProblemKind.TooManyLabels).Which.Message.Should().Contain("4 label names exceed the limit of 3");
    }

    [Fact]
    public void A_value_over_the_limit_is_truncated_on_a_character_boundary_with_a_hash_that_keeps_values_distinct()
    {
        var limits = new LabelLimits(MaxLabelValueBytes: 40);
        var prefix = new string('é', 30); // 60 bytes in UTF-8
        var first = new LabelSetBuilder(limits).Set("v", prefix + "one");
        var second = new LabelSetBuilder(limits).Set("v", prefix + "two");

        first.TryBuild(out var a, out var problems).Should().BeTrue();
        var b = second.Build();

        problems.Should().ContainSingle(p => p.Kind == LabelProblemKind.ValueTruncated);
        Encoding.UTF8.GetByteCount(a!["v"]!).Should().BeLessThanOrEqualTo(40);
        a["v"].Should().StartWith(new string('é', 11)).And.MatchRegex("~[0-9a-f]{16}$");
        a.Should().NotBe(b);
        new LabelSetBuilder(limits).Set("v", prefix + "one").Build().Should().Be(a, "the hash is stable");
    }

    [Fact]
    public void Two_names_that_sanitise_to_the_same_name_keep_the_later_value_and_say_so()
    {
        var builder = new LabelSetBuilder().Set("app.name", "first").Set("app-name", "second");

        var labels = builder.Build();

        labels.Text.Should().Be("{app_name=\"second\"}");
        builder.Problems.Should().Contain(p => p.Kind == LabelProblemKind.NameCollision);
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character_as_in_utf8()
    {
        var labels = new LabelSetBuilder().Set("v", "a\uD800b").Build();

        labels["v"].Should().Be("a\uFFFDb");
    }

    [Fact]
    public void A_builder_from_a_label_set_derives_a_changed_set()
    {
        var labels = new LabelSetBuilder().Set("app", "api").Set("pod", "p-1").Build();

        var changed = labels.ToBuilder().Remove("pod").Set("cluster", "eu").Build();

        changed.Text.Should().Be("{app=\"api\", cluster=\"eu\"}");
    }
}

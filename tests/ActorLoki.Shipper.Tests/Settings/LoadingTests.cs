using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>Where the configuration comes from, and which source wins.</summary>
public sealed class LoadingTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Precedence_is_reference_then_file_then_legacy_then_generic_environment_then_command_line()
    {
        var file = _fixture.Write("application.conf", """
            actorloki.cluster-name = from-file
            actorloki.loki.tenant-id = from-file
            actorloki.loki.timeout = 3s
            actorloki.loki.format = json
            """);
        var environment = new Dictionary<string, string>
        {
            ["CLUSTER_NAME"] = "from-legacy",
            ["ACTORLOKI__LOKI__TENANT_ID"] = "from-generic",
            ["ACTORLOKI__LOKI__TIMEOUT"] = "4s",
        };

        var result = ConfigurationFixture.Load(file, environment, ("actorloki.loki.timeout", "5s"));

        var settings = result.GetSettingsOrThrow();
        settings.ClusterName.Should().Be("from-legacy");
        settings.Loki.TenantId.Should().Be("from-generic");
        settings.Loki.Timeout.Should().Be(TimeSpan.FromSeconds(5));
        settings.Loki.Format.Should().Be(LokiFormat.Json);
        settings.Loki.MaxLineBytes.Should().Be(256 * 1024, "reference.conf fills in what no layer sets");
    }

    [Fact]
    public void Generic_variables_win_over_the_aggregator_variables()
    {
        var environment = new Dictionary<string, string> { ["CLUSTER_NAME"] = "legacy", ["ACTORLOKI__CLUSTER_NAME"] = "generic" };

        ConfigurationFixture.Load(environment: environment).GetSettingsOrThrow().ClusterName.Should().Be("generic");
    }

    [Fact]
    public void The_file_may_be_named_by_actorloki_config()
    {
        var file = _fixture.Write("from-env.conf", "actorloki.cluster-name = named-by-env");

        var result = ConfigurationFixture.Load(environment: new Dictionary<string, string> { ["ACTORLOKI_CONFIG"] = file });

        result.ConfigFile.Should().Be(file);
        result.GetSettingsOrThrow().ClusterName.Should().Be("named-by-env");
    }

    [Fact]
    public void The_config_option_wins_over_actorloki_config()
    {
        var chosen = _fixture.Write("chosen.conf", "actorloki.cluster-name = chosen");
        var other = _fixture.Write("other.conf", "actorloki.cluster-name = other");

        var result = ConfigurationFixture.Load(chosen, new Dictionary<string, string> { ["ACTORLOKI_CONFIG"] = other });

        result.GetSettingsOrThrow().ClusterName.Should().Be("chosen");
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_file_and_how_it_was_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "application.conf");

        var result = ConfigurationFixture.Load(environment: new Dictionary<string, string> { ["ACTORLOKI_CONFIG"] = missing });

        result.IsValid.Should().BeFalse();
        result.Errors.Single().ToString().Should().Be($"{missing}: the configuration file does not exist (named by ACTORLOKI_CONFIG)");
    }

    [Fact]
    public void A_syntax_error_in_the_file_is_reported_with_its_position()
    {
        var result = _fixture.LoadText("actorloki {\n  loki { url = \"http://x\" \n}\n");

        result.IsValid.Should().BeFalse();
        var error = result.Errors.Single();
        error.Origin!.Line.Should().Be(4);
        error.ToString().Should().EndWith("application.conf:4:1: expected '}' (closing the object opened at 1:11) but found end of file");
    }

    [Fact]
    public void Substitutions_see_every_layer_and_fall_back_to_the_environment()
    {
        var result = _fixture.LoadText(
            """
            loki-host = ${?LOKI_HOST}
            actorloki.loki.url = "http://"${loki-host}":3100/loki/api/v1/push"
            actorloki.loki.tenant-id = ${actorloki.cluster-name}
            """,
            new Dictionary<string, string> { ["LOKI_HOST"] = "loki.monitoring" },
            ("cluster-name", "eu-1"));

        var settings = result.GetSettingsOrThrow();
        settings.Loki.Url.Should().Be(new Uri("http://loki.monitoring:3100/loki/api/v1/push"));
        settings.Loki.TenantId.Should().Be("eu-1", "the command line is merged before substitutions are resolved");
    }

    [Fact]
    public void A_self_referential_list_in_the_file_extends_the_reference_default()
    {
        var result = _fixture.LoadText("actorloki.labels.app-from = ${actorloki.labels.app-from} [\"k8s-app\"]\nactorloki.selection.exclude-pods += \"debug-*\"");

        var settings = result.GetSettingsOrThrow();
        settings.Labels.AppFrom.Should().Equal("app.kubernetes.io/name", "app", "k8s-app");
        settings.Selection.ExcludePods.Should().Equal("debug-*");
    }

    [Fact]
    public void An_unresolvable_substitution_is_an_error_with_its_position()
    {
        var result = _fixture.LoadText("actorloki.cluster-name = ${CLUSTER}");

        result.Errors.Single().ToString().Should().Contain("application.conf:1:26: could not resolve ${CLUSTER}");
    }

    [Fact]
    public void Command_line_keys_may_omit_the_actorloki_prefix_and_values_may_be_hocon()
    {
        var result = ConfigurationFixture.Load(commandLine:
        [
            ("loki.url", "http://loki:3100/loki/api/v1/push"),
            ("actorloki.kubernetes.namespaces", "[web, \"api\"]"),
            ("actorloki.selection.exclude-pods", "debug-*, tmp-*"),
            ("actorloki.labels.static", "{ env = prod, team = core }"),
        ]);

        var settings = result.GetSettingsOrThrow();
        settings.Loki.Url.Host.Should().Be("loki");
        settings.Kubernetes.Namespaces.Should().Equal("web", "api");
        settings.Selection.ExcludePods.Should().Equal("debug-*", "tmp-*");
        settings.Labels.Static.Should().Equal(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "core" });
        result.Effective!.GetValue(["actorloki", "labels", "static", "env"])!.Origin.ToString().Should().Be("command line");
    }

    [Fact]
    public void Later_command_line_overrides_win()
    {
        var result = ConfigurationFixture.Load(commandLine: [("cluster-name", "first"), ("cluster-name", "second")]);

        result.GetSettingsOrThrow().ClusterName.Should().Be("second");
    }

    [Fact]
    public void An_invalid_command_line_key_or_value_is_an_error()
    {
        var result = ConfigurationFixture.Load(commandLine: [("actorloki..loki", "x"), ("actorloki.labels.static", "{ broken")]);

        result.Errors.Select(e => e.ToString()).Should().Contain(e => e.StartsWith("command line: 'actorloki..loki' is not a valid key"))
            .And.Contain(e => e.StartsWith("command line: actorloki.labels.static: the value is not valid HOCON"));
    }

    [Fact]
    public void Get_settings_or_throw_lists_every_error()
    {
        var result = ConfigurationFixture.Load(commandLine: [("loki.format", "xml"), ("http.port", "70000")]);

        var error = Assert.Throws<ConfigurationException>(result.GetSettingsOrThrow);
        error.Problems.Should().HaveCount(2);
        error.Message.Should().Contain("actorloki.loki.format").And.Contain("actorloki.http.port");
    }

    [Fact]
    public void The_effective_configuration_renders_as_hocon_that_loads_back_to_the_same_settings()
    {
        var first = _fixture.LoadText("actorloki { cluster-name = \"eu 1\", labels.static { env = prod }, loki.batch.max-bytes = 2MiB }");

        var rendered = ActorLokiConfiguration.Render(first.Effective!, origins: true);
        var second = _fixture.LoadText(rendered);

        second.Problems.Should().BeEmpty();
        second.GetSettingsOrThrow().Should().BeEquivalentTo(first.GetSettingsOrThrow());
    }
}

using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>Environment variables: the generic ACTORLOKI__ form and the original aggregator's variables.</summary>
public sealed class EnvironmentTests
{
    private static ConfigurationLoadResult Load(params (string Name, string Value)[] variables) =>
        ConfigurationFixture.Load(environment: variables.ToDictionary(static v => v.Name, static v => v.Value));

    [Fact]
    public void Double_underscores_separate_keys_and_single_underscores_are_dashes()
    {
        var settings = Load(("ACTORLOKI__LOKI__BATCH__MAX_BYTES", "2MiB"), ("ACTORLOKI__LOKI__RETRY__MAX_BACKOFF", "1m")).GetSettingsOrThrow();

        settings.Loki.Batch.MaxBytes.Should().Be(2 * 1024 * 1024);
        settings.Loki.Retry.MaxBackoff.Should().Be(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Generic_names_are_case_insensitive() =>
        Load(("actorloki__Loki__Tenant_Id", "team-a")).GetSettingsOrThrow().Loki.TenantId.Should().Be("team-a");

    [Fact]
    public void Lists_are_comma_separated() =>
        Load(("ACTORLOKI__SELECTION__EXCLUDE_CONTAINERS", "istio-proxy, linkerd-proxy,,")).GetSettingsOrThrow()
            .Selection.ExcludeContainers.Should().Equal("istio-proxy", "linkerd-proxy");

    [Fact]
    public void Map_entries_are_set_one_variable_each()
    {
        var settings = Load(
            ("ACTORLOKI__LABELS__STATIC__DEPLOY_ENV", "prod"),
            ("ACTORLOKI__LOKI__HEADERS__X_TEAM", "payments")).GetSettingsOrThrow();

        settings.Labels.Static.Should().Equal(new Dictionary<string, string> { ["deploy_env"] = "prod" });
        settings.Loki.Headers.Should().Equal(new Dictionary<string, string> { ["x-team"] = "payments" });
    }

    [Fact]
    public void A_variable_that_names_no_setting_is_a_warning_with_the_closest_variable()
    {
        var result = Load(("ACTORLOKI__LOKI__BATCH__MAX_BYTEZ", "2MiB"));

        result.IsValid.Should().BeTrue();
        result.Warnings.Single().ToString().Should().Be(
            "environment variable ACTORLOKI__LOKI__BATCH__MAX_BYTEZ: ACTORLOKI__LOKI__BATCH__MAX_BYTEZ does not name a setting and is ignored; did you mean ACTORLOKI__LOKI__BATCH__MAX_BYTES?");
    }

    [Fact]
    public void A_variable_that_names_a_section_is_an_error() =>
        Load(("ACTORLOKI__LOKI__BATCH", "1MiB")).Errors.Single().Message.Should().Be("ACTORLOKI__LOKI__BATCH names a section, not a setting");

    [Fact]
    public void A_bad_value_from_a_variable_names_the_variable()
    {
        var result = Load(("ACTORLOKI__LOKI__BATCH__MAX_BYTES", "1 MeB"));

        result.Errors.Single().ToString().Should().StartWith(
            "environment variable ACTORLOKI__LOKI__BATCH__MAX_BYTES: actorloki.loki.batch.max-bytes = \"1 MeB\": expected a size such as 1MiB or 512KiB");
    }

    [Fact]
    public void Actorloki_config_is_not_mistaken_for_a_setting() =>
        Load(("ACTORLOKI_CONFIG", "")).Problems.Should().BeEmpty();

    [Theory]
    [InlineData("http://loki:3100", "http://loki:3100/loki/api/v1/push")]
    [InlineData("http://loki:3100/", "http://loki:3100/loki/api/v1/push")]
    [InlineData("https://logs.example.com/loki/api/v1/push", "https://logs.example.com/loki/api/v1/push")]
    [InlineData("http://gateway/tenant-a/loki/api/v1/push", "http://gateway/tenant-a/loki/api/v1/push")]
    public void Loki_url_accepts_a_base_url_or_the_push_endpoint(string value, string expected) =>
        Load(("LOKI_URL", value)).GetSettingsOrThrow().Loki.Url.Should().Be(new Uri(expected));

    [Fact]
    public void Namespace_takes_one_or_a_comma_separated_list()
    {
        Load(("NAMESPACE", "payments")).GetSettingsOrThrow().Kubernetes.Namespaces.Should().Equal("payments");
        Load(("NAMESPACE", "payments, web ,api")).GetSettingsOrThrow().Kubernetes.Namespaces.Should().Equal("payments", "web", "api");
    }

    [Fact]
    public void Cluster_name_and_batch_size_keep_their_meaning()
    {
        var settings = Load(("CLUSTER_NAME", "eks-prod"), ("BATCH_SIZE", "500")).GetSettingsOrThrow();

        settings.ClusterName.Should().Be("eks-prod");
        settings.Loki.Batch.MaxLines.Should().Be(500, "the aggregator counted lines");
    }

    [Theory]
    [InlineData("5", 5_000)]
    [InlineData("0.5", 500)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    public void Batch_timeout_is_seconds_when_bare_and_a_duration_with_a_unit(string value, int milliseconds) =>
        Load(("BATCH_TIMEOUT", value)).GetSettingsOrThrow().Loki.Batch.MaxWait.Should().Be(TimeSpan.FromMilliseconds(milliseconds));

    [Fact]
    public void Bad_aggregator_values_name_the_variable()
    {
        var errors = Load(("BATCH_TIMEOUT", "soon"), ("BATCH_SIZE", "lots"), ("LOKI_URL", "loki:3100")).Errors.Select(e => e.ToString()).ToList();

        errors.Should().HaveCount(3);
        errors.Should().Contain(e => e.StartsWith("environment variable BATCH_TIMEOUT: actorloki.loki.batch.max-wait = \"soon\": expected a duration", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("environment variable BATCH_SIZE: actorloki.loki.batch.max-lines = \"lots\": expected a whole number", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("environment variable LOKI_URL: actorloki.loki.url = \"loki:3100\": expected an absolute http:// or https:// URL", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_variables_are_ignored() =>
        Load(("LOKI_URL", ""), ("ACTORLOKI__LOKI__FORMAT", "")).GetSettingsOrThrow().Loki.Format.Should().Be(LokiFormat.Protobuf);
}

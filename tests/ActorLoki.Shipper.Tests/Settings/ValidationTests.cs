using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>Validation at start: every problem at once, each with key, origin, value and what was expected.</summary>
public sealed class ValidationTests : IDisposable
{
    private readonly ConfigurationFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Every_bad_value_is_reported_at_once_with_file_line_and_column()
    {
        var result = _fixture.LoadText("""
            actorloki {
              loki {
                url = "ftp://loki"
                format = xml
                batch {
                  max-bytes = "1 MeB"
                  max-wait = -1s
                }
              }
              http.port = 70000
            }
            """);

        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => e.ToString()[(e.ToString().IndexOf("application.conf", StringComparison.Ordinal))..]).Should().BeEquivalentTo(
        [
            "application.conf:3:11: actorloki.loki.url = \"ftp://loki\": expected an absolute http:// or https:// URL such as http://loki:3100/loki/api/v1/push",
            "application.conf:4:14: actorloki.loki.format = \"xml\": expected one of protobuf, json",
            "application.conf:6:19: actorloki.loki.batch.max-bytes = \"1 MeB\": expected a size such as 1MiB or 512KiB (units B, K/KiB = 1024, kB = 1000, M/MiB, MB, G/GiB, GB, T/TiB, TB)",
            "application.conf:7:18: actorloki.loki.batch.max-wait = \"-1s\": expected a finite positive duration such as 500ms or 10s",
            "application.conf:10:15: actorloki.http.port = 70000: expected a whole number from 0 to 65535",
        ]);
    }

    [Fact]
    public void Min_backoffs_may_not_exceed_max_backoffs()
    {
        var result = _fixture.LoadText("actorloki.loki.retry { min-backoff = 10m, max-backoff = 1m }\nactorloki.tail.reconnect-min-backoff = 1h");

        result.Errors.Select(e => e.Message).Should().BeEquivalentTo(
        [
            "actorloki.loki.retry.min-backoff = 10m: expected at most actorloki.loki.retry.max-backoff (1m)",
            "actorloki.tail.reconnect-min-backoff = 1h: expected at most actorloki.tail.reconnect-max-backoff (30s)",
        ]);
        result.Errors.Single(e => e.Key == "actorloki.loki.retry.min-backoff").Origin!.ToString().Should().EndWith("application.conf:1:38");
    }

    [Theory]
    [InlineData("actorloki.loki.buffer.when-full = drop-newest", "actorloki.loki.buffer.when-full = \"drop-newest\": expected one of block, drop-oldest")]
    [InlineData("actorloki.positions.store = s3", "actorloki.positions.store = \"s3\": expected one of memory, file, configmap")]
    [InlineData("actorloki.kubernetes.mode = magic", "actorloki.kubernetes.mode = \"magic\": expected one of auto, in-cluster, kubeconfig")]
    [InlineData("actorloki.logging.level = loud", "actorloki.logging.level = \"loud\": expected one of Verbose, Debug, Information, Warning, Error, Fatal")]
    [InlineData("actorloki.loki.max-request-bytes = 0", "actorloki.loki.max-request-bytes = 0: expected a positive size such as 1MiB")]
    [InlineData("actorloki.loki.retry.random-factor = 1.5", "actorloki.loki.retry.random-factor = 1.5: expected a number from 0 to 1")]
    [InlineData("actorloki.loki.retry.max-retries = -2", "actorloki.loki.retry.max-retries = -2: expected a whole number of at least -1")]
    [InlineData("actorloki.loki.json-gzip = maybe", "actorloki.loki.json-gzip = \"maybe\": expected true or false")]
    [InlineData("actorloki.kubernetes.namespaces = [Payments]", "actorloki.kubernetes.namespaces[0] = \"Payments\": expected a Kubernetes name: lowercase letters, digits and '-', at most 63 characters")]
    [InlineData("actorloki.kubernetes.namespaces = payments", "actorloki.kubernetes.namespaces = \"payments\": expected a list such as [\"a\", \"b\"]")]
    [InlineData("actorloki.labels.static { \"app-name\" = x }", "actorloki.labels.static.app-name: the name \"app-name\" is not valid; expected a Loki label name: letters, digits and '_', not starting with a digit or \"__\"")]
    [InlineData("actorloki.loki.headers { \"Content-Type\" = x }", "actorloki.loki.headers.Content-Type: the name \"Content-Type\" is not valid; expected an HTTP header name that ActorLoki does not set itself (not Content-Type, Content-Encoding, Authorization, X-Scope-OrgID...)")]
    [InlineData("actorloki.loki.basic-auth-username = admin", "actorloki.loki.basic-auth-password-file is empty but actorloki.loki.basic-auth-username is set: expected both or neither")]
    [InlineData("actorloki.loki.tls-key-file = /k.pem", "actorloki.loki.tls-cert-file is empty but actorloki.loki.tls-key-file is set: expected both or neither")]
    [InlineData("actorloki.positions { store = file, file = \"\" }", "actorloki.positions.file is empty: expected a file path when actorloki.positions.store = file")]
    [InlineData("actorloki.positions.configmap-name = Bad_Name", "actorloki.positions.configmap-name = \"Bad_Name\": expected a Kubernetes object name (lowercase letters, digits, '-' and '.') when actorloki.positions.store = configmap")]
    [InlineData("actorloki.loki.buffer.max-bytes = 512KiB", "actorloki.loki.buffer.max-bytes = 512KiB: expected at least actorloki.loki.batch.max-bytes (1MiB), or a batch could never fill")]
    [InlineData("actorloki.loki = null", "actorloki.loki = null: expected a section { ... }")]
    [InlineData("actorloki.loki.url = \"http://u:pw@loki:3100\"", "actorloki.loki.url = \"http://u:<redacted>@loki:3100\": expected a URL without a password; set basic-auth-username and basic-auth-password-file instead")]
    public void Semantic_checks_name_the_key_and_what_was_expected(string text, string message) =>
        _fixture.LoadText(text).Errors.Select(e => e.Message).Should().Contain(message);

    [Fact]
    public void Basic_auth_and_a_bearer_token_together_are_an_error() =>
        _fixture.LoadText("actorloki.loki { basic-auth-username = u, basic-auth-password-file = /p, bearer-token-file = /t }")
            .Errors.Single().Message.Should().Be("actorloki.loki.bearer-token-file and actorloki.loki.basic-auth-username are both set; use one way to authenticate");

    [Fact]
    public void Log_levels_accept_common_aliases_and_per_source_overrides()
    {
        var settings = _fixture.LoadText("actorloki.logging { level = warn, levels { \"ActorLoki.Kubernetes\" = debug, System = trace } }").GetSettingsOrThrow();

        settings.Logging.Level.Should().Be(ShipperLogLevel.Warning);
        settings.Logging.Levels.Should().Equal(new Dictionary<string, ShipperLogLevel>
        {
            ["ActorLoki.Kubernetes"] = ShipperLogLevel.Debug,
            ["System"] = ShipperLogLevel.Verbose,
        });
    }

    [Fact]
    public void An_unknown_key_is_a_warning_with_the_closest_known_key()
    {
        var result = _fixture.LoadText("actorloki {\n  loki.batch.max-bytez = 2MiB\n  batch.max-wait = 2s\n  lokki.url = \"http://x\"\n}\nactorlok.cluster-name = x");

        result.IsValid.Should().BeTrue("unknown keys are warnings");
        result.Warnings.Select(w => w.ToString()[w.ToString().IndexOf("application.conf", StringComparison.Ordinal)..]).Should().BeEquivalentTo(
        [
            "application.conf:2:26: unknown key actorloki.loki.batch.max-bytez is ignored; did you mean actorloki.loki.batch.max-bytes?",
            "application.conf:3:3: unknown key actorloki.batch is ignored; did you mean actorloki.loki.batch?",
            "application.conf:4:3: unknown key actorloki.lokki is ignored; did you mean actorloki.loki?",
            "application.conf:6:1: unknown key actorlok is ignored; did you mean actorloki?",
        ]);
    }

    [Fact]
    public void A_key_far_from_any_known_key_gets_no_suggestion() =>
        _fixture.LoadText("actorloki.completely-unrelated-thing = 1").Warnings.Single().Message
            .Should().Be("unknown key actorloki.completely-unrelated-thing is ignored");

    [Fact]
    public void Keys_under_free_form_maps_are_not_unknown() =>
        _fixture.LoadText("""
            actorloki.labels.static { env = prod, region = eu }
            actorloki.labels.from-pod-labels { team = "example.com/team" }
            actorloki.labels.from-pod-annotations { owner = "example.com/owner" }
            actorloki.loki.headers { "X-Team" = payments }
            actorloki.logging.levels { "ActorLoki.Loki" = Debug }
            unrelated-top-level = 1
            """).Problems.Should().BeEmpty();

    [Fact]
    public void Secret_values_never_appear_in_messages()
    {
        var result = _fixture.LoadText("""
            actorloki.loki.headers { "X-Api-Key" = [s3cr3t-value] }
            actorloki.loki.url = "ftp://user:hunter2@loki"
            """);

        var text = string.Join("\n", result.Problems.Select(p => p.ToString()));
        text.Should().Contain("actorloki.loki.headers.X-Api-Key = <redacted>: expected a string");
        text.Should().Contain("\"ftp://user:<redacted>@loki\"");
        text.Should().NotContain("s3cr3t-value").And.NotContain("hunter2");
    }

    [Fact]
    public void Printed_configuration_redacts_secrets_and_url_passwords()
    {
        var result = _fixture.LoadText("""
            actorloki.loki.headers { "X-Api-Key" = s3cr3t-value, "X-Team" = payments }
            actorloki.loki.url = "https://user:hunter2@loki.example.com/loki/api/v1/push"
            """);

        var text = ActorLokiConfiguration.Render(result.Effective!, origins: false);

        text.Should().Contain("X-Api-Key = \"<redacted>\"").And.Contain("X-Team = payments");
        text.Should().Contain("url = \"https://user:<redacted>@loki.example.com/loki/api/v1/push\"");
        text.Should().NotContain("s3cr3t-value").And.NotContain("hunter2");
    }

    [Fact]
    public void All_namespaces_with_a_namespace_list_warns_that_the_list_is_ignored() =>
        _fixture.LoadText("actorloki.kubernetes { all-namespaces = true, namespaces = [a] }").Warnings.Single().Message
            .Should().Be("actorloki.kubernetes.namespaces is ignored because actorloki.kubernetes.all-namespaces = true");
}

using System.Text;
using ActorLoki.Loki;
using ActorLoki.Testing;
using static ActorLoki.Loki.Tests.TestBatches;

namespace ActorLoki.Loki.Tests;

/// <summary>Headers and credentials, checked by a small recording server.</summary>
public sealed class LokiClientHttpTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorloki-loki-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static PushBatch OneLine() => Batch(Stream(Labels(("app", "api")), (1, "x")));

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Every_request_carries_the_tenant_user_agent_content_type_and_extra_headers()
    {
        await using var server = await RecordingServer.StartAsync();
        using var client = new LokiClient(new LokiClientOptions
        {
            Url = server.PushUrl,
            TenantId = "team-a",
            Headers = new Dictionary<string, string> { ["X-Team"] = "payments", ["X-Env"] = "prod" },
        });

        (await client.PushAsync(OneLine())).Outcome.Should().Be(PushOutcome.Success);

        var headers = server.Requests.Single();
        headers["X-Scope-OrgID"].Should().Be("team-a");
        headers["User-Agent"].Should().Be($"actorloki/{LokiClient.Version}");
        LokiClient.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+");
        headers["Content-Type"].Should().Be("application/x-protobuf");
        headers["X-Team"].Should().Be("payments");
        headers["X-Env"].Should().Be("prod");
        headers.Should().NotContainKey("Authorization");
        headers.Should().NotContainKey("Content-Encoding");
    }

    [Fact]
    public async Task Basic_auth_sends_the_user_and_the_password_read_from_a_file()
    {
        await using var server = await RecordingServer.StartAsync();
        var passwordFile = WriteFile("password", "s3cret-pass\n");
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BasicAuthUsername = "shipper", BasicAuthPasswordFile = passwordFile });

        await client.PushAsync(OneLine());

        server.Requests.Single()["Authorization"].Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("shipper:s3cret-pass")));
    }

    [Fact]
    public async Task A_bearer_token_file_is_re_read_when_it_changes()
    {
        await using var server = await RecordingServer.StartAsync();
        var tokenFile = WriteFile("token", "token-one");
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BearerTokenFile = tokenFile });

        await client.PushAsync(OneLine());
        File.WriteAllText(tokenFile, "token-number-two\n");
        await client.PushAsync(OneLine());

        server.Requests.Select(h => h["Authorization"]).Should().Equal("Bearer token-one", "Bearer token-number-two");
    }

    [Fact]
    public async Task A_token_that_changed_unnoticed_is_picked_up_by_the_periodic_re_read()
    {
        await using var server = await RecordingServer.StartAsync();
        var tokenFile = WriteFile("token", "token-aaa");
        var stamp = File.GetLastWriteTimeUtc(tokenFile);
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BearerTokenFile = tokenFile, SecretRefreshInterval = TimeSpan.FromMinutes(1) }, timeProvider: time);

        // Same size and modification time: only the periodic re-read can see it (as with a Secret swapped through symlinks).
        File.WriteAllText(tokenFile, "token-bbb");
        File.SetLastWriteTimeUtc(tokenFile, stamp);
        await client.PushAsync(OneLine());
        time.Advance(TimeSpan.FromMinutes(1));
        await client.PushAsync(OneLine());

        server.Requests.Select(h => h["Authorization"]).Should().Equal("Bearer token-aaa", "Bearer token-bbb");
    }

    [Fact]
    public async Task A_credential_echoed_back_by_a_proxy_never_reaches_the_result_or_the_logs()
    {
        await using var server = await RecordingServer.StartAsync(headers => (401, $"invalid credentials: {headers["Authorization"]}"));
        var tokenFile = WriteFile("token", "super-secret-token-42");
        var logger = new ListLogger<LokiClient>();
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BearerTokenFile = tokenFile }, logger);

        var result = await client.PushAsync(OneLine());

        result.Outcome.Should().Be(PushOutcome.ConfigurationError);
        result.StatusCode.Should().Be(401);
        result.Detail.Should().Be("invalid credentials: Bearer ***");
        logger.Entries.Should().Contain(e => e.Id.Id == 6004 && e.Message.Contains("bearer-token-file", StringComparison.Ordinal));
        logger.Entries.Should().NotContain(e => e.Message.Contains("super-secret-token-42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_basic_auth_password_echoed_back_is_redacted_in_both_forms()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("shipper:pa55word"));
        await using var server = await RecordingServer.StartAsync(_ => (403, $"user shipper with pa55word ({encoded}) may not push"));
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BasicAuthUsername = "shipper", BasicAuthPasswordFile = WriteFile("password", "pa55word") });

        var result = await client.PushAsync(OneLine());

        result.Detail.Should().Be("user shipper with *** (***) may not push");
    }

    [Fact]
    public void A_missing_credential_file_fails_at_start_naming_the_path()
    {
        var missing = Path.Combine(_directory, "nope");

        var act = () => new LokiClient(new LokiClientOptions { Url = new Uri("http://127.0.0.1:1/loki/api/v1/push"), BearerTokenFile = missing });

        act.Should().Throw<Exception>().WithMessage($"*{missing}*");
    }

    [Fact]
    public async Task A_credential_file_that_becomes_unreadable_keeps_the_last_good_value()
    {
        await using var server = await RecordingServer.StartAsync();
        var tokenFile = WriteFile("token", "still-good");
        var logger = new ListLogger<LokiClient>();
        using var client = new LokiClient(new LokiClientOptions { Url = server.PushUrl, BearerTokenFile = tokenFile }, logger);

        File.Delete(tokenFile);
        var result = await client.PushAsync(OneLine());

        result.Outcome.Should().Be(PushOutcome.Success);
        server.Requests.Single()["Authorization"].Should().Be("Bearer still-good");
        logger.Entries.Should().Contain(e => e.Id.Id == 6008 && e.Message.Contains(tokenFile, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://loki/push", "*http or https*")]
    [InlineData("http://user:pw@loki:3100/loki/api/v1/push", "*must not carry credentials*")]
    [InlineData("loki/api/v1/push", "*absolute*")]
    public void Invalid_urls_are_refused_naming_the_setting(string url, string message)
    {
        var act = () => new LokiClientOptions { Url = new Uri(url, UriKind.RelativeOrAbsolute) }.Validate();

        act.Should().Throw<ArgumentException>().WithMessage(message).WithMessage("*actorloki.loki.url*");
    }

    [Fact]
    public void Headers_the_client_owns_and_conflicting_credentials_are_refused()
    {
        var url = new Uri("http://127.0.0.1:3100/loki/api/v1/push");

        FluentActions.Invoking(() => new LokiClientOptions { Url = url, Headers = new Dictionary<string, string> { ["Content-Type"] = "x" } }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*Content-Type*");
        FluentActions.Invoking(() => new LokiClientOptions { Url = url, TenantId = "a", Headers = new Dictionary<string, string> { ["X-Scope-OrgID"] = "b" } }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*tenant-id*");
        FluentActions.Invoking(() => new LokiClientOptions { Url = url, BasicAuthUsername = "u", BasicAuthPasswordFile = "p", BearerTokenFile = "t" }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*cannot both be set*");
        FluentActions.Invoking(() => new LokiClientOptions { Url = url, BasicAuthUsername = "u" }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*basic-auth-password-file*");
        FluentActions.Invoking(() => new LokiClientOptions { Url = url, TlsCertFile = "c" }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*tls-key-file*");
    }
}

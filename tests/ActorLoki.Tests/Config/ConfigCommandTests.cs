using System.CommandLine;
using System.Diagnostics;
using ActorLoki.Cli;
using ActorLoki.Hocon;

namespace ActorLoki.Tests.Config;

/// <summary>`actorloki config print` and `actorloki config validate`, run in-process with a dictionary environment.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorloki-cli-" + Guid.NewGuid().ToString("N"));

    public ConfigCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Output, string Error)> Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { ConfigCommand.Create(output, error, () => environment ?? new Dictionary<string, string>()) };
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Validate_reports_a_typo_and_a_malformed_size_with_positions_and_fails()
    {
        var file = Write("application.conf", """
            actorloki {
              loki {
                batch {
                  max-bytez = 2MiB
                  max-wait = "1 MeB"
                }
                max-request-bytes = "1 MeB"
              }
            }
            """);

        var (exit, output, _) = await Run(null, "config", "validate", "--config", file);

        exit.Should().Be(1);
        output.Should().Contain($"error: {file}:7:25: actorloki.loki.max-request-bytes = \"1 MeB\": expected a size such as 1MiB or 512KiB");
        output.Should().Contain($"error: {file}:5:18: actorloki.loki.batch.max-wait = \"1 MeB\": expected a duration such as 500ms");
        output.Should().Contain($"warning: {file}:4:19: unknown key actorloki.loki.batch.max-bytez is ignored; did you mean actorloki.loki.batch.max-bytes?");
        output.Should().EndWith($"Invalid configuration ({file}): 2 errors, 1 warning.{Environment.NewLine}");
    }

    [Fact]
    public async Task Validate_warns_about_an_unknown_akka_key_with_the_closest_Akka_key_and_still_passes()
    {
        var file = Write("application.conf", """
            actorloki.loki.url = "http://loki:3100"
            akka {
              loglevel = DEBUG
              actor.debug.lifecycel = on
            }
            """);

        var (exit, output, _) = await Run(null, "config", "validate", "--config", file);

        exit.Should().Be(0);
        output.Should().Be(
            $"warning: {file}:4:27: unknown key akka.actor.debug.lifecycel is ignored; did you mean akka.actor.debug.lifecycle?{Environment.NewLine}"
            + $"OK: the configuration is valid ({file}; 1 warning).{Environment.NewLine}");
    }

    [Fact]
    public async Task Print_shows_the_akka_section_next_to_the_actorloki_one_with_origins()
    {
        var file = Write("application.conf", "akka.loglevel = DEBUG\n");

        var (exit, output, _) = await Run(
            new Dictionary<string, string> { ["ACTORLOKI__AKKA__ACTOR__DEFAULT_DISPATCHER__THROUGHPUT"] = "50" },
            "config", "print", "--origin", "--config", file, "--set", "akka.stdout-loglevel=ERROR");

        exit.Should().Be(0);
        output.Should().Contain("akka {").And.Contain($"loglevel = DEBUG  # {file}:1")
            .And.Contain("throughput = \"50\"  # environment variable ACTORLOKI__AKKA__ACTOR__DEFAULT_DISPATCHER__THROUGHPUT")
            .And.Contain("stdout-loglevel = ERROR  # command line");
    }

    [Fact]
    public async Task Validate_prints_a_short_ok_line_and_exits_zero_for_a_valid_file()
    {
        var file = Write("application.conf", "actorloki.loki.url = \"http://loki:3100\"\nactorloki.kubernetes.namespaces = [payments]");

        var (exit, output, error) = await Run(null, "config", "validate", "--config", file);

        exit.Should().Be(0);
        output.Should().Be($"OK: the configuration is valid ({file}).{Environment.NewLine}");
        error.Should().BeEmpty();
    }

    [Fact]
    public async Task Validate_shows_the_line_of_a_syntax_error_with_a_caret()
    {
        var file = Write("application.conf", "actorloki {\n  loki.url = http://loki:3100\n}");

        var (exit, output, _) = await Run(null, "config", "validate", "--config", file);

        exit.Should().Be(1);
        output.Should().Contain($"error: {file}:2:18: expected ',' or a newline after the value of 'loki.url' but found ':' (quote a string that holds ':')");
        output.Should().Contain("    " + "  loki.url = http://loki:3100" + Environment.NewLine + new string(' ', 4 + 17) + "^");
    }

    [Fact]
    public async Task Validate_uses_the_environment_and_names_bad_variables()
    {
        var environment = new Dictionary<string, string> { ["BATCH_TIMEOUT"] = "soon", ["ACTORLOKI__LOKI__FORMT"] = "json" };

        var (exit, output, _) = await Run(environment, "config", "validate");

        exit.Should().Be(1);
        output.Should().Contain("error: environment variable BATCH_TIMEOUT: actorloki.loki.batch.max-wait = \"soon\": expected a duration");
        output.Should().Contain("warning: environment variable ACTORLOKI__LOKI__FORMT: ACTORLOKI__LOKI__FORMT does not name a setting and is ignored; did you mean ACTORLOKI__LOKI__FORMAT?");
        output.Should().Contain("(defaults only, no configuration file)");
    }

    [Fact]
    public async Task Print_shows_the_defaults_of_reference_conf_as_hocon()
    {
        var (exit, output, error) = await Run(null, "config", "print");

        exit.Should().Be(0);
        error.Should().BeEmpty();
        output.Should().StartWith("actorloki {\n  actors {\n    mailbox-capacity = 10000\n    throughput = 100\n  }\n".ReplaceLineEndings("\n"));
        output.Should().Contain("    batch {\n      max-bytes = 1MiB\n      max-lines = 0\n      max-wait = 1s\n    }");
        output.Should().Contain("    url = \"http://localhost:3100/loki/api/v1/push\"");
        var reparsed = HoconParser.Parse(output);
        HoconResolver.Resolve(reparsed, HoconEnvironment.Empty).GetValue(["actorloki", "loki", "buffer", "when-full"])!.TryGetString(out var whenFull).Should().BeTrue();
        whenFull.Should().Be("block");
    }

    [Fact]
    public async Task Print_with_origin_names_where_each_value_came_from()
    {
        var file = Write("application.conf", "actorloki.loki.tenant-id = team-a\n");

        var (exit, output, _) = await Run(
            new Dictionary<string, string> { ["LOKI_URL"] = "http://loki:3100" },
            "config", "print", "--origin", "--config", file, "--set", "actorloki.loki.timeout=3s", "--namespace", "web", "-n", "api");

        exit.Should().Be(0);
        output.Should().Contain($"tenant-id = team-a  # {file}:1");
        output.Should().Contain("url = \"http://loki:3100\"  # environment variable LOKI_URL");
        output.Should().Contain("timeout = 3s  # command line");
        output.Should().Contain("namespaces = [web, api]  # command line");
        output.Should().MatchRegex(@"max-wait = 1s  # reference\.conf:\d+");
        HoconParser.Parse(output).Fields.Should().ContainKey("actorloki", "the comments keep the output valid HOCON");
    }

    [Fact]
    public async Task Print_never_shows_secret_values()
    {
        var file = Write("application.conf", "actorloki.loki.headers { X-Api-Key = s3cr3t, X-Team = payments }");

        var (_, output, _) = await Run(null, "config", "print", "--config", file);

        output.Should().Contain("X-Api-Key = \"<redacted>\"").And.Contain("X-Team = payments").And.NotContain("s3cr3t");
    }

    [Fact]
    public async Task Print_reports_problems_on_standard_error_and_fails()
    {
        var (exit, output, error) = await Run(null, "config", "print", "--set", "loki.format=xml");

        exit.Should().Be(1);
        output.Should().Contain("format = xml", "the effective configuration is still shown");
        error.Should().Be($"error: command line: actorloki.loki.format = \"xml\": expected one of protobuf, json{Environment.NewLine}");
    }

    [Fact]
    public async Task Named_options_set_their_keys_and_set_wins_over_them()
    {
        var (exit, output, _) = await Run(
            null, "config", "print", "--loki-url", "http://a:3100", "--cluster-name", "eu", "--set", "loki.url=http://b:3100");

        exit.Should().Be(0);
        output.Should().Contain("url = \"http://b:3100\"").And.Contain("cluster-name = eu");
    }

    [Fact]
    public async Task A_set_without_an_equals_sign_is_a_usage_error()
    {
        var (exit, _, error) = await Run(null, "config", "print", "--set", "loki.url");

        exit.Should().NotBe(0);
        error.Should().Contain("--set expects KEY=VALUE");
    }

    [Fact]
    public async Task A_missing_file_is_an_error()
    {
        var missing = Path.Combine(_directory, "absent.conf");

        var (exit, output, _) = await Run(null, "config", "validate", "--config", missing);

        exit.Should().Be(1);
        output.Should().Contain($"error: {missing}: the configuration file does not exist (named by --config)");
    }

    [Fact]
    public async Task The_executable_validates_a_file_given_by_actorloki_config()
    {
        var file = Write("application.conf", "actorloki.loki.batch.max-bytes = \"1 MeB\"\nactorloki.lokki.url = x\n");
        var dll = Path.Combine(AppContext.BaseDirectory, "actorloki.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "config", "validate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The child sees a controlled environment: none of the variables that configure ActorLoki leak in from the test host.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("ACTORLOKI", StringComparison.OrdinalIgnoreCase)
                || name is "LOKI_URL" or "NAMESPACE" or "CLUSTER_NAME" or "BATCH_SIZE" or "BATCH_TIMEOUT")
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["ACTORLOKI_CONFIG"] = file;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(1);
        stdout.Should().Contain($"error: {file}:1:34: actorloki.loki.batch.max-bytes = \"1 MeB\": expected a size");
        stdout.Should().Contain($"warning: {file}:2:1: unknown key actorloki.lokki is ignored; did you mean actorloki.loki?");
    }
}

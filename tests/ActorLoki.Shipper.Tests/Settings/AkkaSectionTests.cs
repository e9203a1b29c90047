using ActorLoki.Shipper.Settings;
using AkkaFactory = Akka.Configuration.ConfigurationFactory;
using AkkaValue = Akka.Configuration.Hocon.HoconValue;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>
/// The <c>akka</c> section: read by ActorLoki's parser with the rest of the file, handed to Akka as text that Akka's
/// own parser (<see cref="AkkaFactory.ParseString(string)"/>) reads back to the same values.
/// </summary>
public sealed class AkkaSectionTests : IDisposable
{
    private readonly ConfigurationFixture _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>What Akka reads at a path of keys, walking its tree key by key (a key may hold dots).</summary>
    private static AkkaValue? AkkaAt(string akkaConfig, params string[] keys)
    {
        var node = AkkaFactory.ParseString(akkaConfig).Root;
        foreach (var key in keys)
        {
            if (!node.IsObject() || !node.GetObject().Items.TryGetValue(key, out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    /// <summary>
    /// The text Akka's parser read, before <see cref="AkkaValue.GetString"/> trims it (Akka's reader trims every string
    /// and takes "null" for null; the text it was given is exact).
    /// </summary>
    private static string Raw(AkkaValue? value) => string.Concat(value!.Values.Select(static v => v.GetString()));

    /// <summary>The warnings for a file that must still be valid, and the file's path (warnings name it).</summary>
    private (string Path, IReadOnlyList<string> Warnings) WarningsOf(string text)
    {
        var path = _files.Write("application.conf", text);
        var result = ConfigurationFixture.Load(path);
        result.IsValid.Should().BeTrue();
        return (path, [.. result.Warnings.Select(static w => w.ToString())]);
    }

    [Fact]
    public void One_file_tunes_ActorLoki_and_Akka()
    {
        var settings = _files.LoadText("""
            actorloki.cluster-name = prod
            akka {
              loglevel = DEBUG
              actor.default-dispatcher.throughput = 5
              actor.debug { receive = on, lifecycle = true }
            }
            """).GetSettingsOrThrow();

        settings.ClusterName.Should().Be("prod");
        var akka = AkkaFactory.ParseString(settings.AkkaConfig);
        akka.GetString("akka.loglevel").Should().Be("DEBUG");
        akka.GetInt("akka.actor.default-dispatcher.throughput").Should().Be(5);
        akka.GetBoolean("akka.actor.debug.receive").Should().BeTrue();
        akka.GetBoolean("akka.actor.debug.lifecycle").Should().BeTrue();
        akka.HasPath("actorloki").Should().BeFalse("only the akka section goes to Akka");
    }

    [Fact]
    public void Without_an_akka_section_Akka_gets_nothing()
    {
        ActorLokiSettings.Default.AkkaConfig.Should().BeEmpty();
        _files.LoadText("actorloki.cluster-name = prod").GetSettingsOrThrow().AkkaConfig.Should().BeEmpty();
    }

    [Fact]
    public void Substitutions_optional_environment_values_appends_and_includes_are_resolved_before_Akka_sees_them()
    {
        _files.Write("akka-tuning.conf", "akka.actor.default-dispatcher.throughput = 12");
        var settings = _files.LoadText(
            """
            include "akka-tuning.conf"
            level = WARNING
            akka.loglevel = ${level}
            akka.stdout-loglevel = ${?STDOUT_LEVEL}
            akka.loggers = ["A, A"]
            akka.loggers += "B, B"
            akka.home = "/opt/"${level}
            """,
            new Dictionary<string, string> { ["STDOUT_LEVEL"] = "ERROR" }).GetSettingsOrThrow();

        settings.AkkaConfig.Should().NotContain("${").And.NotContain("include");
        var akka = AkkaFactory.ParseString(settings.AkkaConfig);
        akka.GetString("akka.loglevel").Should().Be("WARNING");
        akka.GetString("akka.stdout-loglevel").Should().Be("ERROR");
        akka.GetStringList("akka.loggers").Should().Equal("A, A", "B, B");
        akka.GetString("akka.home").Should().Be("/opt/WARNING");
        akka.GetInt("akka.actor.default-dispatcher.throughput").Should().Be(12);
    }

    [Fact]
    public void Hostile_keys_and_strings_reach_Akka_exactly_as_ActorLoki_read_them()
    {
        var settings = _files.LoadText("""
            akka.actor.deployment {
              "/user/guardian/ns-shop.prod" { dispatcher = "a.b" }
              "key \"with\" quotes" { router = "${not.a.substitution}" }
              "$dollar = { [brace]" { mailbox = "line one\nline two\ttab \\ back\\slash" }
              "ünï¢ødé 😀" { dispatcher = "\u2028 é 😀 \u0001" }
              "include" { dispatcher = "include" }
              "" { dispatcher = "" }
            }
            """).GetSettingsOrThrow();

        AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "/user/guardian/ns-shop.prod", "dispatcher")!.GetString().Should().Be("a.b");
        AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "key \"with\" quotes", "router")!.GetString().Should().Be("${not.a.substitution}");
        AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "$dollar = { [brace]", "mailbox")!.GetString()
            .Should().Be("line one\nline two\ttab \\ back\\slash");
        Raw(AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "ünï¢ødé 😀", "dispatcher")).Should().Be("\u2028 é 😀 \u0001");
        AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "include", "dispatcher")!.GetString().Should().Be("include");
        AkkaAt(settings.AkkaConfig, "akka", "actor", "deployment", "", "dispatcher")!.GetString().Should().BeEmpty();
        settings.AkkaConfig.Split('\n').Should().OnlyContain(
            static line => line.Length == 0 || line.TrimStart().StartsWith('"') || line.Trim() == "}", "every line starts with a quoted key or closes a block");
        settings.AkkaConfig.Should().Contain("\"${not.a.substitution}\"", "a string is written quoted, so no substitution is left bare");
    }

    [Fact]
    public void Durations_and_sizes_are_written_in_units_Akka_reads()
    {
        var settings = _files.LoadText("""
            akka.actor.creation-timeout = 1500 microseconds
            akka.actor.ask-timeout = 90 seconds
            akka.scheduler.tick-duration = 0.5ms
            akka.coordinated-shutdown.default-phase-timeout = infinite
            akka.io.tcp.maximum-frame-size = 1.5KiB
            akka.io.tcp.send-buffer-size = 2 MiB
            """).GetSettingsOrThrow();

        var akka = AkkaFactory.ParseString(settings.AkkaConfig);
        akka.GetTimeSpan("akka.actor.creation-timeout").Should().Be(TimeSpan.FromMilliseconds(1.5));
        akka.GetTimeSpan("akka.actor.ask-timeout").Should().Be(TimeSpan.FromSeconds(90));
        akka.GetTimeSpan("akka.scheduler.tick-duration").Should().Be(TimeSpan.FromMilliseconds(0.5));
        akka.GetTimeSpan("akka.coordinated-shutdown.default-phase-timeout").Should().Be(Timeout.InfiniteTimeSpan);
        akka.GetByteSize("akka.io.tcp.maximum-frame-size").Should().Be(1536);
        akka.GetByteSize("akka.io.tcp.send-buffer-size").Should().Be(2 * 1024 * 1024);
    }

    [Fact]
    public void Lists_numbers_booleans_nulls_and_nested_objects_keep_their_shape()
    {
        var settings = _files.LoadText("""
            akka.extensions = [ "A, A", "B" ]
            akka.actor.default-dispatcher.fork-join-executor { parallelism-min = 2, parallelism-factor = 1.5, parallelism-max = 64 }
            akka.daemonic = off
            akka.log-dead-letters = 10
            akka.actor.my-dispatcher { type = Dispatcher, throughput = 1, executor = "thread-pool-executor", thread-pool-executor { } }
            akka.actor.serializers { items = [ { a = 1 }, { b = [1, 2] } ] }
            """).GetSettingsOrThrow();

        var akka = AkkaFactory.ParseString(settings.AkkaConfig);
        akka.GetStringList("akka.extensions").Should().Equal("A, A", "B");
        akka.GetInt("akka.actor.default-dispatcher.fork-join-executor.parallelism-min").Should().Be(2);
        akka.GetDouble("akka.actor.default-dispatcher.fork-join-executor.parallelism-factor").Should().Be(1.5);
        akka.GetBoolean("akka.daemonic").Should().BeFalse();
        akka.GetInt("akka.log-dead-letters").Should().Be(10);
        akka.GetString("akka.actor.my-dispatcher.type").Should().Be("Dispatcher");
        akka.GetConfig("akka.actor.my-dispatcher.thread-pool-executor").Should().NotBeNull();
        var items = akka.GetValue("akka.actor.serializers.items").GetArray();
        items.Should().HaveCount(2);
        items[1].GetObject().Items["b"].GetIntList().Should().Equal(1, 2);
    }

    [Fact]
    public void Random_trees_of_hostile_keys_and_strings_read_the_same_in_Akka()
    {
        const string Alphabet = "ab.$\"\\{}[]=:#+,/ \n\t\r\u0001é😀${}?\u2028";
        var random = new Random(1234);
        string Text(int max) => new([.. Enumerable.Range(0, random.Next(max)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);

        for (var round = 0; round < 50; round++)
        {
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            var fields = new List<KeyValuePair<string, Hocon.HoconValue>>();
            for (var i = 0; i < 8; i++)
            {
                var key = "k" + i + Text(6);
                var value = Text(12);
                expected[key] = value;
                fields.Add(new(key, Hocon.HoconValue.String(value, new Hocon.HoconOrigin("test"))));
            }

            // Under a free-form section, so that every key is the user's own.
            var origin = new Hocon.HoconOrigin("test");
            var tree = new Hocon.HoconObject([new("akka", new Hocon.HoconObject([new("actor", new Hocon.HoconObject([new("deployment", new Hocon.HoconObject(fields, origin))], origin))], origin))], origin);
            var text = AkkaSection.Render(tree);

            var read = AkkaAt(text, "akka", "actor", "deployment")!.GetObject().Items;
            read.Keys.Should().BeEquivalentTo(expected.Keys, $"round {round}:\n{text}");
            foreach (var (key, value) in expected)
            {
                Raw(read[key]).Should().Be(value, $"round {round}, key {key}:\n{text}");
            }
        }
    }

    [Fact]
    public void An_unknown_akka_key_is_a_warning_with_file_line_column_of_its_value_and_the_closest_Akka_key()
    {
        var (path, warnings) = WarningsOf("""
            akka {
              loglevel = DEBUG
              logleve = INFO
              actor.default-dispatcher.througput = 5
            }
            """);

        warnings.Should().Equal(
            $"{path}:3:13: unknown key akka.logleve is ignored; did you mean akka.loglevel?",
            $"{path}:4:40: unknown key akka.actor.default-dispatcher.througput is ignored; did you mean akka.actor.default-dispatcher.throughput?");
    }

    [Fact]
    public void Keys_of_the_cluster_modules_are_known_and_their_misspellings_get_the_closest_key()
    {
        var (path, warnings) = WarningsOf("""
            actorloki.cluster.enabled = on
            akka {
              cluster.failure-detector.acceptable-heartbeat-pause = 5s
              cluster.sharding.handoff-timeout = 30s
              remote.dot-netty.tcp.maximum-frame-size = 256000b
              cluster.failure-detector.threshhold = 12
            }
            """);

        warnings.Should().Equal(
            $"{path}:6:41: unknown key akka.cluster.failure-detector.threshhold is ignored; did you mean akka.cluster.failure-detector.threshold?");
    }

    [Fact]
    public void Deployments_serializers_and_dispatchers_the_user_defines_are_not_unknown()
    {
        var result = _files.LoadText("""
            akka.actor {
              deployment { "/user/guardian/push" { dispatcher = akka.actor.pusher-dispatcher } }
              serializers { hyperion = "Akka.Serialization.HyperionSerializer, Akka.Serialization.Hyperion" }
              pusher-dispatcher { type = PinnedDispatcher, executor = thread-pool-executor }
              bounded-mailbox { mailbox-type = "Akka.Dispatch.BoundedMailbox", mailbox-capacity = 1000, mailbox-push-timeout-time = 0s }
            }
            """);

        result.Problems.Should().BeEmpty();
    }

    [Fact]
    public void A_misspelt_akka_root_is_a_warning()
    {
        var result = _files.LoadText("aka.loglevel = DEBUG");

        result.Warnings.Single().Message.Should().Be("unknown key aka is ignored; did you mean akka?");
    }

    [Fact]
    public void Environment_variables_reach_akka_keys()
    {
        var settings = ConfigurationFixture.Load(environment: new Dictionary<string, string>
        {
            ["ACTORLOKI__AKKA__LOGLEVEL"] = "DEBUG",
            ["ACTORLOKI__AKKA__ACTOR__DEFAULT_DISPATCHER__THROUGHPUT"] = "7",
            ["ACTORLOKI__AKKA__LOGGERS"] = "A, B",
        }).GetSettingsOrThrow();

        var akka = AkkaFactory.ParseString(settings.AkkaConfig);
        akka.GetString("akka.loglevel").Should().Be("DEBUG");
        akka.GetInt("akka.actor.default-dispatcher.throughput").Should().Be(7);
        akka.GetStringList("akka.loggers").Should().Equal("A", "B");
    }

    [Fact]
    public void An_environment_variable_naming_no_akka_key_is_a_warning_with_the_closest_variable()
    {
        var result = ConfigurationFixture.Load(environment: new Dictionary<string, string> { ["ACTORLOKI__AKKA__LOGLEVL"] = "DEBUG" });

        result.IsValid.Should().BeTrue();
        result.Warnings.Single().Message.Should().Be(
            "ACTORLOKI__AKKA__LOGLEVL does not name a setting and is ignored; did you mean ACTORLOKI__AKKA__LOGLEVEL?");
    }

    [Fact]
    public void Command_line_overrides_reach_akka_keys_and_win_over_the_file()
    {
        var settings = _files.LoadText("akka.loglevel = DEBUG", null, ("akka.loglevel", "ERROR"), ("cluster-name", "prod")).GetSettingsOrThrow();

        AkkaFactory.ParseString(settings.AkkaConfig).GetString("akka.loglevel").Should().Be("ERROR");
        settings.ClusterName.Should().Be("prod", "a key without a prefix is still an actorloki key");
    }

    [Fact]
    public void Print_shows_both_sections_with_origins()
    {
        var path = _files.Write("application.conf", "akka.loglevel = DEBUG\nactorloki.cluster-name = prod\n");
        var result = ConfigurationFixture.Load(path);

        var printed = ActorLokiConfiguration.Render(result.Effective!, origins: true);

        printed.Should().Contain("akka {").And.Contain($"loglevel = DEBUG  # {path}:1").And.Contain($"cluster-name = prod  # {path}:2");
        printed.IndexOf("actorloki {", StringComparison.Ordinal).Should().BeLessThan(printed.IndexOf("akka {", StringComparison.Ordinal));
    }

    [Fact]
    public void Print_redacts_a_secret_of_the_akka_section_that_Akka_itself_still_gets()
    {
        var result = _files.LoadText("akka.remote.dot-netty.tcp.ssl.certificate.password = hunter2-akka");

        ActorLokiConfiguration.Render(result.Effective!, origins: true).Should().NotContain("hunter2-akka").And.Contain("password = \"<redacted>\"");
        AkkaFactory.ParseString(result.GetSettingsOrThrow().AkkaConfig).GetString("akka.remote.dot-netty.tcp.ssl.certificate.password").Should().Be("hunter2-akka");
    }

    [Fact]
    public void A_string_Akka_would_read_differently_is_a_warning()
    {
        var (path, warnings) = WarningsOf("akka.loglevel = \" DEBUG \"\nakka.home = \"null\"\n");

        warnings.Should().Equal(
            $"{path}:1:17: akka.loglevel = \" DEBUG \": Akka trims the whitespace around a string and reads \"DEBUG\"",
            $"{path}:2:13: akka.home = \"null\": Akka reads this string as null");
    }

    [Fact]
    public void Text_that_would_hang_or_crash_Akkas_parser_never_reaches_it()
    {
        // Akka 1.5.75 loops forever on the first and overflows the stack on the second; ActorLoki's parser reports them.
        _files.LoadText("akka { b = [1, 2 }").Errors.Should().ContainSingle();
        _files.LoadText("akka.loglevel = ${akka.loglevel}").Errors.Should().ContainSingle();
    }
}

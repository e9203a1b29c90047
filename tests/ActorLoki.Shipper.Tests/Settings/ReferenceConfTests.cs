using System.Text.RegularExpressions;
using ActorLoki.Hocon;
using ActorLoki.Shipper.Settings;

namespace ActorLoki.Shipper.Tests.Settings;

/// <summary>reference.conf is the user's documentation and the contract of every setting.</summary>
public sealed partial class ReferenceConfTests
{
    [Fact]
    public void Reference_conf_alone_binds_to_valid_settings_without_any_problem()
    {
        var result = ConfigurationFixture.Load();

        result.Problems.Should().BeEmpty();
        result.IsValid.Should().BeTrue();
        result.Settings.Should().BeSameAs(result.Settings).And.NotBeNull();
    }

    [Fact]
    public void The_defaults_are_those_written_in_reference_conf()
    {
        var settings = ActorLokiSettings.Default;

        settings.ClusterName.Should().BeEmpty();
        settings.Kubernetes.Mode.Should().Be(KubernetesMode.Auto);
        settings.Kubernetes.Namespaces.Should().BeEmpty();
        settings.Kubernetes.WatchTimeout.Should().Be(TimeSpan.FromMinutes(5));
        settings.Kubernetes.ReconnectMaxBackoff.Should().Be(TimeSpan.FromSeconds(30));
        settings.Selection.ExcludeAnnotation.Should().Be("actorloki.io/exclude");
        settings.Selection.IncludeInitContainers.Should().BeTrue();
        settings.Tail.MaxLineBytes.Should().Be(256 * 1024);
        settings.Tail.SilenceFactor.Should().Be(3);
        settings.Tail.MaxLookback.Should().Be(TimeSpan.FromHours(24));
        settings.Labels.AppFrom.Should().Equal("app.kubernetes.io/name", "app");
        settings.Labels.Static.Should().BeEmpty();
        settings.Loki.Url.Should().Be(new Uri("http://localhost:3100/loki/api/v1/push"));
        settings.Loki.Format.Should().Be(LokiFormat.Protobuf);
        settings.Loki.MaxRequestBytes.Should().Be(4 * 1024 * 1024);
        settings.Loki.OnLongLine.Should().Be(LongLinePolicy.Truncate);
        settings.Loki.MaxLabelNames.Should().Be(15);
        settings.Loki.Batch.Should().Be(new BatchSettings { MaxBytes = 1024 * 1024, MaxWait = TimeSpan.FromSeconds(1), MaxLines = 0 });
        settings.Loki.Retry.Should().Be(new RetrySettings
        {
            MinBackoff = TimeSpan.FromMilliseconds(500), MaxBackoff = TimeSpan.FromMinutes(5), RandomFactor = 0.2, MaxRetries = -1,
        });
        settings.Loki.Buffer.Should().Be(new BufferSettings { MaxBytes = 64L * 1024 * 1024, WhenFull = BufferFullPolicy.Block });
        settings.Positions.Store.Should().Be(PositionsStoreKind.ConfigMap);
        settings.Positions.ConfigMapName.Should().Be("actorloki-positions");
        settings.Shutdown.DrainDeadline.Should().Be(TimeSpan.FromSeconds(25));
        settings.Http.Should().Be(new HttpSettings { Host = "0.0.0.0", Port = 8080, ReadyPushWindow = TimeSpan.FromMinutes(2) });
        settings.Logging.Format.Should().Be(LogFormat.Auto);
        settings.Logging.Level.Should().Be(ShipperLogLevel.Information);
        settings.Actors.Should().Be(new ActorSettings { Throughput = 100, MailboxCapacity = 10000 });
    }

    [Fact]
    public void Every_setting_in_reference_conf_is_preceded_by_a_one_line_comment()
    {
        var lines = ActorLokiConfiguration.ReferenceText.ReplaceLineEndings("\n").Split('\n');
        var settings = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!SettingLine().IsMatch(lines[i]))
            {
                continue;
            }

            settings++;
            var previous = i > 0 ? lines[i - 1].Trim() : "";
            previous.Should().StartWith("# ", $"line {i + 1} ({lines[i].Trim()}) needs a comment right above it");
            previous.Length.Should().BeGreaterThan(10, $"the comment above line {i + 1} should say what the setting does");
        }

        var leaves = ActorLokiConfiguration.KnownKeys.Count(k => IsLeaf(k));
        settings.Should().Be(leaves, "every setting of reference.conf is written on its own `key = value` line");
    }

    [Fact]
    public void Every_setting_in_reference_conf_is_bound_and_checked()
    {
        // Replace each setting with a value of the wrong shape: binding must name that very key.
        var notChecked = new List<string>();
        foreach (var key in ActorLokiConfiguration.KnownKeys.Where(k => IsLeaf(k)))
        {
            var isMap = ReferenceValue(key) is HoconObject;
            var result = ConfigurationFixture.Load(commandLine: (key, isMap ? "[1]" : "{ wrong = shape }"));
            if (!result.Errors.Any(e => e.Key == key))
            {
                notChecked.Add(key);
            }
        }

        notChecked.Should().BeEmpty();
    }

    private static HoconValue ReferenceValue(string key) =>
        Config.ParseString(ActorLokiConfiguration.ReferenceText).Resolve(HoconEnvironment.Empty).GetValue(key)!;

    private static bool IsLeaf(string key) => ReferenceValue(key) is not HoconObject { Count: > 0 };

    [GeneratedRegex(@"^\s*[a-z][a-z0-9-]*\s*=\s*\S")]
    private static partial Regex SettingLine();
}

using ActorLoki.Hocon;
using ActorLoki.Hocon.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace ActorLoki.Hocon.Tests.Configuration;

public sealed class HoconConfigurationProviderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_hocon_file_is_flattened_into_colon_separated_keys_with_array_indexes()
    {
        var file = _dir.Write("application.conf", """
            actorloki {
              loki { batch { max-bytes = 2MiB }, url = "http://loki:3100" }
              kubernetes.namespaces = [web, api]
              labels.static = {}
              tenant = null
            }
            """);

        var configuration = new ConfigurationBuilder().AddHoconFile(file).Build();

        configuration["actorloki:loki:batch:max-bytes"].Should().Be("2MiB");
        configuration["actorloki:loki:url"].Should().Be("http://loki:3100");
        configuration["actorloki:kubernetes:namespaces:0"].Should().Be("web");
        configuration["actorloki:kubernetes:namespaces:1"].Should().Be("api");
        configuration.GetSection("actorloki:kubernetes:namespaces").GetChildren().Select(c => c.Value).Should().Equal("web", "api");
        configuration.GetSection("actorloki:labels:static").Exists().Should().BeFalse(because: "an empty object is a key with a null value");
        configuration.AsEnumerable().Should().Contain(new KeyValuePair<string, string?>("actorloki:labels:static", null));
        configuration["actorloki:tenant"].Should().BeNull();
    }

    [Fact]
    public void Each_key_reports_the_file_line_and_column_where_it_was_set()
    {
        var file = _dir.Write("application.conf", "a {\n  b = 1\n  list = [x,\n    y]\n}\n");

        var configuration = new ConfigurationBuilder().AddHoconFile(file).Build();

        configuration.GetHoconOrigin("a:b")!.ToString().Should().Be($"{file}:2:7");
        configuration.GetHoconOrigin("A:B")!.Line.Should().Be(2, because: "configuration keys are case-insensitive");
        configuration.GetHoconOrigin("a:list:1")!.Line.Should().Be(4);
        configuration.GetHoconOrigin("a:missing").Should().BeNull();
    }

    [Fact]
    public void The_last_source_wins_and_its_origin_is_reported()
    {
        var file = _dir.Write("application.conf", "a = from-file\nb = file-only");

        var configuration = new ConfigurationBuilder()
            .AddHoconFile(file)
            .AddHoconString("a = from-string", "override.conf")
            .AddInMemoryCollection([new("c", "memory")])
            .Build();

        configuration["a"].Should().Be("from-string");
        configuration.GetHoconOrigin("a")!.ToString().Should().Be("override.conf:1:5");
        configuration.GetHoconOrigin("b")!.Description.Should().Be(file);
        configuration.GetHoconOrigin("c").Should().BeNull(because: "the in-memory provider is not HOCON");
    }

    [Fact]
    public void Includes_in_the_file_are_relative_to_it()
    {
        _dir.Write("conf/base.conf", "shared = yes");
        var file = _dir.Write("conf/application.conf", "include \"base.conf\"\nown = 1");

        var configuration = new ConfigurationBuilder().AddHoconFile(file).Build();

        configuration["shared"].Should().Be("yes");
    }

    [Fact]
    public void Substitutions_use_the_environment_given_to_the_source()
    {
        var file = _dir.Write("application.conf", "home = ${HOME_DIR}/data");

        var configuration = new ConfigurationBuilder()
            .AddHoconFile(source =>
            {
                source.Path = file;
                source.Environment = new Dictionary<string, string> { ["HOME_DIR"] = "/srv" };
                source.ResolveFileProvider();
            })
            .Build();

        configuration["home"].Should().Be("/srv/data");
    }

    [Fact]
    public void A_missing_optional_file_is_empty_and_a_missing_required_file_is_an_error()
    {
        var missing = Path.Combine(_dir.Path, "absent.conf");

        new ConfigurationBuilder().AddHoconFile(missing, optional: true).Build().AsEnumerable().Should().BeEmpty();
        var build = () => new ConfigurationBuilder().AddHoconFile(missing, optional: false).Build();
        build.Should().Throw<FileNotFoundException>();
    }

    [Fact]
    public void A_malformed_file_fails_with_the_hocon_error_inside()
    {
        var file = _dir.Write("application.conf", "a = {\n");

        var build = () => new ConfigurationBuilder().AddHoconFile(file).Build();

        var error = build.Should().Throw<InvalidDataException>().Which.InnerException.Should().BeOfType<HoconException>().Which;
        error.Line.Should().Be(2);
    }

    [Fact]
    public async Task A_reloadable_file_is_read_again_when_it_changes()
    {
        var file = _dir.Write("application.conf", "value = 1");
        var configuration = new ConfigurationBuilder().AddHoconFile(file, optional: false, reloadOnChange: true).Build();
        configuration["value"].Should().Be("1");

        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            if (configuration["value"] == "2")
            {
                reloaded.TrySetResult();
            }
        });
        await File.WriteAllTextAsync(file, "value = 2");

        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        configuration["value"].Should().Be("2");
        configuration.GetHoconOrigin("value")!.Line.Should().Be(1);
    }
}

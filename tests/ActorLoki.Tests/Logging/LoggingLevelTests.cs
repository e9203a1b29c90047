using ActorLoki.Logging;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Tests.Logging;

public sealed partial class LoggingLevelTests
{
    private static LoggingSettings Settings(params string[] overrides)
    {
        var result = ActorLokiConfiguration.Load(new ConfigurationSources
        {
            CommandLine = [.. overrides.Select(o => new KeyValuePair<string, string>(o[..o.IndexOf('=', StringComparison.Ordinal)], o[(o.IndexOf('=', StringComparison.Ordinal) + 1)..]))],
        });
        return result.GetSettingsOrThrow().Logging;
    }

    [Fact]
    public void Each_source_logs_from_the_level_HOCON_gives_it_and_the_others_from_the_overall_level()
    {
        var settings = Settings(
            "logging.level=Warning",
            "logging.format=json",
            """logging.levels={ "ActorLoki.Kubernetes" = Debug, "ActorLoki.Shipper.Pipeline" = Error }""");
        using var output = new LogCollector();
        var (factory, serilog) = ActorLokiLogging.Create(settings, output, outputIsTerminal: false);
        using (factory)
        using (serilog)
        {
            var kubernetes = factory.CreateLogger("ActorLoki.Kubernetes.KubernetesClient");
            var pipeline = factory.CreateLogger("ActorLoki.Shipper.Pipeline.Batcher");
            var tail = factory.CreateLogger("ActorLoki.Shipper.Tailing.ContainerTail");
            Say(kubernetes, LogLevel.Debug, "kubernetes debug");
            Say(kubernetes, LogLevel.Trace, "kubernetes trace");
            Say(pipeline, LogLevel.Warning, "pipeline warning");
            Say(pipeline, LogLevel.Error, "pipeline error");
            Say(tail, LogLevel.Information, "tail information");
            Say(tail, LogLevel.Warning, "tail warning");
        }

        var messages = output.Events.Select(e => e.GetProperty("Message").GetString()).ToList();
        messages.Should().Equal("kubernetes debug", "pipeline error", "tail warning");
    }

    [Fact]
    public void Text_format_writes_time_level_source_and_message_on_one_line()
    {
        using var output = new StringWriter();
        var (factory, serilog) = ActorLokiLogging.Create(Settings("logging.format=text"), output, outputIsTerminal: false);
        using (factory)
        using (serilog)
        {
            var logger = factory.CreateLogger("ActorLoki.Host");
            Listening(logger, 8080);
        }

        output.ToString().Should().MatchRegex(@"^\d\d:\d\d:\d\d\.\d{3} INF ActorLoki\.Host: Listening on 8080\r?\n$");
    }

    [LoggerMessage(Message = "{Text}")]
    private static partial void Say(ILogger logger, LogLevel level, string text);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Listening on {Port}")]
    private static partial void Listening(ILogger logger, int port);
}

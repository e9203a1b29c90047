using System.Text.Json;
using ActorLoki.Logging;
using ActorLoki.Shipper.Settings;
using Microsoft.Extensions.Logging;
using Serilog;

namespace ActorLoki.Tests.Logging;

/// <summary>Shares <see cref="Log.Logger"/>, which nothing else in this assembly may change meanwhile.</summary>
[CollectionDefinition(nameof(GlobalLoggerCollection), DisableParallelization = true)]
public sealed class GlobalLoggerCollection;

/// <summary>The JSON lines ActorLoki writes about itself: one flat object per line, with the fields log queries rely on.</summary>
[Collection(nameof(GlobalLoggerCollection))]
public sealed partial class JsonFormatTests
{
    private static LoggingSettings Json => ActorLokiConfiguration.Load(new ConfigurationSources
    {
        CommandLine = [new("logging.format", "json"), new("logging.level", "Debug")],
    }).GetSettingsOrThrow().Logging;

    /// <summary>What one test writes through ActorLoki's JSON logging: the text, and the single line it must be.</summary>
    private static (string Text, JsonElement Line) WriteOne(Action<ILoggerFactory, Serilog.Core.Logger> write)
    {
        using var output = new LogCollector();
        var (factory, serilog) = ActorLokiLogging.Create(Json, output, outputIsTerminal: false);
        using (factory)
        using (serilog)
        {
            write(factory, serilog);
        }

        return (output.Text, output.Events.Single());
    }

    [Fact]
    public void An_event_is_one_flat_line_with_time_level_message_template_event_id_properties_scopes_and_exception()
    {
        var (text, line) = WriteOne(static (factory, _) =>
        {
            var logger = factory.CreateLogger("ActorLoki.Shipper.Tailing.ContainerTail");
            using (logger.BeginScope(new Dictionary<string, object?> { ["ActorPath"] = "/user/guardian/ns-shop/web-0.app" }))
            {
                StreamFailed(logger, "shop", "web-0", "app", 3, new IOException("connection reset"));
            }
        });

        text.Should().EndWith("}\n").And.Subject.Count(static c => c == '\n').Should().Be(1, "the exception's lines are escaped inside the one line");
        line.EnumerateObject().Select(static p => p.Name).Take(5).Should().Equal("Timestamp", "Level", "Message", "MessageTemplate", "EventId");
        line.GetProperty("Timestamp").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$");
        line.GetProperty("Level").GetString().Should().Be("Warning");
        line.GetProperty("Message").GetString().Should().Be("Log stream of shop/web-0/app failed (attempt 3)");
        line.GetProperty("MessageTemplate").GetString().Should().Be("Log stream of {Namespace}/{Pod}/{Container} failed (attempt {Attempt})");
        line.GetProperty("EventId").GetInt32().Should().Be(2001);
        line.GetProperty("EventName").GetString().Should().Be(nameof(StreamFailed));
        line.GetProperty("SourceContext").GetString().Should().Be("ActorLoki.Shipper.Tailing.ContainerTail");
        line.GetProperty("ActorPath").GetString().Should().Be("/user/guardian/ns-shop/web-0.app");
        line.GetProperty("Namespace").GetString().Should().Be("shop");
        line.GetProperty("Attempt").ValueKind.Should().Be(JsonValueKind.Number);
        line.GetProperty("Exception").GetString().Should().StartWith("System.IO.IOException: connection reset");
        line.TryGetProperty("Properties", out _).Should().BeFalse("properties sit at the top, not nested");
    }

    [Fact]
    public void A_source_generated_method_with_many_parameters_keeps_the_templates_property_names()
    {
        var (_, line) = WriteOne(static (factory, _) =>
        {
            var logger = factory.CreateLogger("Test");
            Many(logger, "shop", "web-0", "app", 1, 2, 3, 4);
        });

        line.GetProperty("Message").GetString().Should().Be("shop/web-0/app 1 2 3 4");
        line.GetProperty("Namespace").GetString().Should().Be("shop");
        line.TryGetProperty("namespace", out _).Should().BeFalse();
    }

    [Fact]
    public void A_property_named_like_a_fixed_field_keeps_its_value_under_a_leading_underscore()
    {
        var (_, line) = WriteOne(static (factory, _) =>
        {
            var logger = factory.CreateLogger("Test");
            Denied(logger, "pods \"web-0\" is forbidden", "high");
        });

        line.GetProperty("Message").GetString().Should().Be("Not allowed: pods \"web-0\" is forbidden (high)");
        line.GetProperty("_Message").GetString().Should().Be("pods \"web-0\" is forbidden");
        line.GetProperty("Level").GetString().Should().Be("Error");
        line.GetProperty("_Level").GetString().Should().Be("high");
    }

    [Fact]
    public void An_event_without_an_id_or_exception_has_neither_field()
    {
        var (_, line) = WriteOne(static (_, serilog) => serilog.Information("Plain {Value}", "text"));

        line.GetProperty("Message").GetString().Should().Be("Plain text");
        line.TryGetProperty("EventId", out _).Should().BeFalse();
        line.TryGetProperty("Exception", out _).Should().BeFalse();
    }

    [Fact]
    public void The_shippers_logger_becomes_the_global_one_that_Akka_logs_through_and_the_previous_one_comes_back()
    {
        var before = Log.Logger;
        var (_, line) = WriteOne((_, serilog) =>
        {
            using (ActorLokiLogging.UseAsGlobal(serilog))
            {
                Log.ForContext("ActorPath", "akka://actorloki/user/guardian").ForContext("SourceContext", "Akka.Actor.ActorCell")
                    .Warning("Dead letter from {Sender}", "akka://actorloki/deadLetters");
            }

            Log.Logger.Should().BeSameAs(before);
        });

        line.GetProperty("ActorPath").GetString().Should().Be("akka://actorloki/user/guardian");
        line.GetProperty("Message").GetString().Should().Be("Dead letter from akka://actorloki/deadLetters");
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Log stream of {Namespace}/{Pod}/{Container} failed (attempt {Attempt})")]
    private static partial void StreamFailed(Microsoft.Extensions.Logging.ILogger logger, string @namespace, string pod, string container, int attempt, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Not allowed: {Message} ({Level})")]
    private static partial void Denied(Microsoft.Extensions.Logging.ILogger logger, string message, string level);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{Namespace}/{Pod}/{Container} {A} {B} {C} {D}")]
    private static partial void Many(Microsoft.Extensions.Logging.ILogger logger, string @namespace, string pod, string container, int a, int b, int c, int d);
}

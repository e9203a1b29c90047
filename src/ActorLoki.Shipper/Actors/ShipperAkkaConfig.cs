using System.Globalization;
using ActorLoki.Kubernetes.Configuration;
using ActorLoki.Shipper.Cluster;
using ActorLoki.Shipper.Settings;
using Akka.Configuration;

namespace ActorLoki.Shipper.Actors;

/// <summary>
/// The Akka configuration of a shipper, in three layers: ActorLoki's required settings (they win), then the
/// user's <c>akka</c> section (<see cref="ActorLokiSettings.AkkaConfig"/>), then ActorLoki's defaults, then
/// Akka's reference configuration.
/// </summary>
public static class ShipperAkkaConfig
{
    /// <summary>Akka.Logger.Serilog's logger, as <c>akka.loggers</c> names it.</summary>
    public const string SerilogLogger = "Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog";

    private static readonly string MailboxType = typeof(InspectedMailbox).AssemblyQualifiedName!;

    /// <summary>
    /// The configuration for <paramref name="settings"/>; <paramref name="logger"/> replaces Akka's default logger.
    /// With <c>actorloki.cluster.enabled</c> the cluster's configuration joins both layers (its address from
    /// <paramref name="environment"/>'s POD_IP when <c>cluster.hostname</c> is empty); without, the provider stays
    /// local and nothing of remoting or clustering is configured.
    /// </summary>
    public static Config Build(ActorLokiSettings settings, string? logger = null, KubernetesEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var required = Required(settings, logger);
        var defaults = Defaults(settings);
        if (settings.Cluster.Enabled)
        {
            var hostname = ClusterAkkaConfig.Hostname(settings.Cluster, environment ?? KubernetesEnvironment.System);
            required = ConfigurationFactory.ParseString(ClusterAkkaConfig.Required(settings.Cluster, hostname)).WithFallback(required);
            defaults = defaults.WithFallback(ConfigurationFactory.ParseString(ClusterAkkaConfig.Defaults()));
        }

        return required.WithFallback(User(settings.AkkaConfig)).WithFallback(defaults);
    }

    /// <summary>
    /// What a user value would break, so it is not the user's to change:
    /// <list type="bullet">
    /// <item>the mailboxes: ours are unbounded and never block a sender (Akka's bounded mailbox blocks the sending
    /// thread for mailbox-push-timeout-time), and they are what <c>/debug/actors</c> and the mailbox metric read;</item>
    /// <item>the CLR shutdown hook: the host (or <see cref="ShipperRuntime.StopAsync"/>) runs coordinated shutdown,
    /// whose first phase drains; the hook would end the actor system before the host's services stop;</item>
    /// <item>the drain phase's timeout, which is <c>actorloki.shutdown.drain-deadline</c> plus a margin;</item>
    /// <item>the loggers, when the executable routes Akka's events to Serilog.</item>
    /// </list>
    /// </summary>
    private static Config Required(ActorLokiSettings settings, string? logger)
    {
        var phaseTimeout = (settings.Shutdown.DrainDeadline + TimeSpan.FromSeconds(10)).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        var loggers = logger is null ? "" : $"loggers = [{Quote(logger)}]\n  logger-formatter = \"Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog\"";
        return ConfigurationFactory.ParseString($$"""
            akka {
              {{loggers}}
              actor.default-mailbox.mailbox-type = {{Quote(MailboxType)}}
              actor.mailbox.unbounded-deque-based.mailbox-type = {{Quote(MailboxType)}}
              # An escalated failure (batcher, positions keeper) stops the guardian and the process exits, so that
              # Kubernetes restarts it from saved positions; nothing is restarted in place.
              actor.guardian-supervisor-strategy = "Akka.Actor.StoppingSupervisorStrategy"
              coordinated-shutdown.run-by-clr-shutdown-hook = off
              coordinated-shutdown.exit-clr = off
              coordinated-shutdown.phases.before-service-unbind.timeout = {{phaseTimeout}}ms
            }
            """);
    }

    private static Config Defaults(ActorLokiSettings settings) => ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          log-dead-letters = 10
          log-dead-letters-during-shutdown = off
          actor.default-dispatcher.throughput = {{settings.Actors.Throughput.ToString(CultureInfo.InvariantCulture)}}
        }
        """);

    /// <summary>The user's section, given with or without its enclosing <c>akka { }</c>.</summary>
    private static Config User(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Config.Empty;
        }

        var config = ConfigurationFactory.ParseString(text);
        return config.HasPath("akka") ? config : ConfigurationFactory.ParseString("akka {\n" + text + "\n}");
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

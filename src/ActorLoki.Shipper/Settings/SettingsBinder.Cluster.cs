namespace ActorLoki.Shipper.Settings;

/// <summary>The <c>actorloki.cluster</c> section.</summary>
internal sealed partial class SettingsBinder
{
    private ClusterSettings BindCluster()
    {
        const string C = "actorloki.cluster.";
        const string B = C + "bootstrap.";
        const string S = C + "split-brain-resolver.";
        var settings = new ClusterSettings
        {
            Enabled = Boolean(C + "enabled"),
            Hostname = String(C + "hostname"),
            Port = Int(C + "port", 0, 65535),
            SeedNodes = StringList(C + "seed-nodes", IsSeedNode, "an Akka address such as \"akka.tcp://actorloki@10.0.0.5:4053\""),
            Bootstrap = new ClusterBootstrapSettings
            {
                PodLabelSelector = String(B + "pod-label-selector"),
                PortName = String(B + "port-name"),
                RequiredContactPoints = Int(B + "required-contact-points", 1),
                StableMargin = Duration(B + "stable-margin"),
            },
            Shards = Int(C + "shards", 1, 1000),
            HandOffTimeout = Duration(C + "hand-off-timeout"),
            EnsureInterval = Duration(C + "ensure-interval"),
            SplitBrainResolver = new SplitBrainSettings
            {
                ActiveStrategy = Enum<SplitBrainStrategy>(S + "active-strategy", "keep-majority"),
                StableAfter = Duration(S + "stable-after"),
            },
        };

        if (settings.Enabled && settings.SeedNodes.Count == 0 && settings.Bootstrap.PodLabelSelector.Trim().Length == 0)
        {
            Problem(B + "pod-label-selector", $"{B}pod-label-selector is empty: with no {C}seed-nodes the replicas find each other by this selector");
        }

        try
        {
            _ = Discovery.LabelSelector.Parse(settings.Bootstrap.PodLabelSelector);
        }
        catch (FormatException e)
        {
            Problem(B + "pod-label-selector", e.Message);
        }

        if (settings.Enabled && settings.SeedNodes.Count == 0 && settings.Bootstrap.PortName.Trim().Length == 0)
        {
            Problem(B + "port-name", $"{B}port-name is empty: with no {C}seed-nodes it names the remoting port of the replicas' pods");
        }

        if (settings.Enabled && String("actorloki.positions.store").Trim().Equals("file", StringComparison.OrdinalIgnoreCase))
        {
            Problem("actorloki.positions.store", $"actorloki.positions.store = file cannot be shared by the replicas of {C}enabled = on: use configmap (one ConfigMap per shard)");
        }

        return settings;
    }

    /// <summary>akka.tcp://actorloki@host:port: the system name must be ActorLoki's, or the node never joins.</summary>
    private static bool IsSeedNode(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && uri.Scheme == "akka.tcp"
        && uri.UserInfo == ShipperSystemName
        && uri.Host.Length > 0
        && uri.Port > 0;

    /// <summary>The actor system's name on every node (<see cref="ShipperRuntime.SystemName"/>).</summary>
    private const string ShipperSystemName = "actorloki";
}

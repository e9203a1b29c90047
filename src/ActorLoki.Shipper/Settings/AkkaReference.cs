using ActorLoki.Hocon;
using AkkaConfig = Akka.Configuration.Config;
using AkkaFactory = Akka.Configuration.ConfigurationFactory;
using AkkaValue = Akka.Configuration.Hocon.HoconValue;

namespace ActorLoki.Shipper.Settings;

/// <summary>
/// Akka's own reference configuration (<see cref="AkkaFactory.Default"/>, read from the Akka assembly with Akka's
/// parser, which is fine for Akka's own text), as a tree of ActorLoki's kind: the known <c>akka.*</c> keys for
/// "did you mean", and which of them Akka reads as durations or sizes.
/// </summary>
internal sealed class AkkaReference
{
    public const string Root = "akka";

    /// <summary>Sections whose keys the user names (actor paths, serializer names, type names, phases).</summary>
    private static readonly HashSet<string> FreeForm = new(StringComparer.Ordinal)
    {
        "akka.actor.deployment",
        "akka.actor.serializers",
        "akka.actor.serialization-bindings",
        "akka.actor.serialization-identifiers",
        "akka.actor.serialization-settings",
        "akka.actor.mailbox.requirements",
        "akka.actor.router.type-mapping",
        "akka.coordinated-shutdown.phases",
    };

    private static readonly HoconOrigin Origin = new("Akka reference configuration");

    private static readonly Lazy<AkkaReference> LazyDefault = new(static () => new AkkaReference(AkkaFactory.Default()));

    private readonly HashSet<string> _durations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sizes = new(StringComparer.Ordinal);

    private AkkaReference(AkkaConfig reference)
    {
        var akka = reference.Root.GetObject().Items.TryGetValue(Root, out var section) ? Convert(section, [Root]) : HoconObject.Empty(Origin);
        Schema = new ReferenceSchema(new HoconObject([new(Root, akka)], Origin), Root);
    }

    private static readonly Lazy<AkkaReference> LazyWithCluster = new(static () => new AkkaReference(WithClusterModules(AkkaFactory.Default())));

    /// <summary>Akka core's reference configuration.</summary>
    public static AkkaReference Default => LazyDefault.Value;

    /// <summary>
    /// Akka core's reference configuration with those of the modules a scaled-out shipper runs (remoting, cluster,
    /// sharding, singleton, distributed data, coordination, discovery). Read only for a configuration
    /// that turns clustering on or tunes those modules, so that a single replica never loads their assemblies.
    /// </summary>
    public static AkkaReference WithCluster => LazyWithCluster.Value;

    /// <summary>Whether <paramref name="effective"/> needs <see cref="WithCluster"/> to tell its <c>akka.*</c> keys.</summary>
    public static bool UsesClusterModules(HoconObject effective)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (effective.TryGetField(ReferenceSchema.Root, out var actorloki) && actorloki is HoconObject ours
            && ours.TryGetField("cluster", out var cluster) && cluster is HoconObject clusterSection
            && clusterSection.TryGetField("enabled", out var enabled) && enabled is HoconScalar { Text: "on" or "true" or "yes" })
        {
            return true;
        }

        return effective.TryGetField(Root, out var akka) && akka is HoconObject section
            && ClusterModuleSections.Any(name => section.TryGetField(name, out _));
    }

    private static readonly string[] ClusterModuleSections = ["remote", "cluster", "discovery", "coordination"];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static AkkaConfig WithClusterModules(AkkaConfig core)
    {
        var config = core;
        var assemblies = new[]
        {
            typeof(Akka.Remote.RemoteSettings).Assembly,
            typeof(Akka.Cluster.Cluster).Assembly,
            typeof(Akka.Cluster.Sharding.ClusterSharding).Assembly,
            typeof(Akka.Cluster.Tools.Singleton.ClusterSingletonManager).Assembly,
            typeof(Akka.DistributedData.DistributedData).Assembly,
            typeof(Akka.Coordination.Lease).Assembly,
            typeof(Akka.Discovery.Discovery).Assembly,
        };
        foreach (var assembly in assemblies)
        {
            foreach (var name in assembly.GetManifestResourceNames().Where(static n => n.EndsWith(".conf", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                config = config.WithFallback(AkkaFactory.ParseString(reader.ReadToEnd()));
            }
        }

        return config;
    }

    /// <summary>The known keys; free-form sections are empty maps, as in reference.conf.</summary>
    public ReferenceSchema Schema { get; }

    /// <summary>Akka reads the value at this path (segments) as a duration.</summary>
    public bool IsDuration(IReadOnlyList<string> path) => _durations.Contains(HoconPath.Render(path));

    /// <summary>Akka reads the value at this path (segments) as a size in bytes.</summary>
    public bool IsSize(IReadOnlyList<string> path) => _sizes.Contains(HoconPath.Render(path));

    /// <summary>An unknown key that is still used: a dispatcher, executor or mailbox the user defines and names by its path.</summary>
    public static bool IsDefinition(HoconValue value) =>
        value is HoconObject obj && (obj.TryGetField("type", out _) || obj.TryGetField("executor", out _) || obj.TryGetField("mailbox-type", out _));

    private HoconValue Convert(AkkaValue value, List<string> path)
    {
        var key = HoconPath.Render(path);
        if (value.IsObject())
        {
            if (FreeForm.Contains(key))
            {
                return HoconObject.Empty(Origin);
            }

            var fields = new List<KeyValuePair<string, HoconValue>>();
            foreach (var (name, child) in value.GetObject().Items.OrderBy(static i => i.Key, StringComparer.Ordinal))
            {
                path.Add(name);
                fields.Add(new(name, Convert(child, path)));
                path.RemoveAt(path.Count - 1);
            }

            return new HoconObject(fields, Origin);
        }

        if (value.IsArray())
        {
            return new HoconArray([], Origin);
        }

        var text = value.IsEmpty || !value.IsString() ? "" : value.GetString() ?? "";
        Classify(value, text, key);
        return HoconValue.String(text, Origin);
    }

    /// <summary>A value with a unit that Akka's own reader accepts: a duration (tried first: 1m is a minute), else a size.</summary>
    private void Classify(AkkaValue value, string text, string key)
    {
        if (text == "infinite")
        {
            _durations.Add(key);
            return;
        }

        if (text.Length == 0 || text.All(static c => char.IsAsciiDigit(c) || c == '.') || !text.Any(char.IsAsciiDigit))
        {
            return;
        }

        try
        {
            _ = value.GetTimeSpan(allowInfinite: false);
            _durations.Add(key);
            return;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
        }

        try
        {
            if (value.GetByteSize() is not null)
            {
                _sizes.Add(key);
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
        }
    }
}

using System.Globalization;
using ActorLoki.Shipper.Actors;
using Akka.Actor;
using Akka.Discovery;
using Microsoft.Extensions.Logging;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// Forms or joins the cluster without configured seed nodes: looks the replicas up through Akka.Discovery (the
/// <see cref="PodServiceDiscovery"/> over ActorLoki's own pod listing) every second, and once at least
/// <c>required-contact-points</c> replicas have been seen, unchanged for <c>stable-margin</c>, hands their remoting
/// addresses, lowest first, to Akka's seed-node join. Akka's seed-node process does the rest: a node joins the
/// first seed that answers as a member; only the first (lowest) seed forms a new cluster, and only when no other
/// seed answers within <c>akka.cluster.seed-node-timeout</c> — so a restarted replica rejoins its cluster.
/// </summary>
/// <remarks>
/// This stands in for Akka.Management's Cluster Bootstrap, which cannot run here: its HTTP endpoint (Akka.Http.Shim
/// 1.5.73) is built against Ceen.Httpd 0.9.9, and the only version the package source serves, 0.9.10, lacks the
/// method it calls (<c>HttpServer.ListenAsync(IPEndPoint, bool, ServerConfig, CancellationToken)</c>): it fails at
/// run time with MissingMethodException. What the bootstrap's probing adds — asking each contact point whether it
/// already belongs to a cluster — is what Akka's seed-node process does over remoting.
/// </remarks>
public sealed partial class SeedNodeDiscovery : ShipperActor, IWithTimers
{
    private const string LookupTimer = "lookup";

    private readonly string _portName;
    private readonly int _required;
    private readonly TimeSpan _stableMargin;
    private IReadOnlyList<string> _seen = [];
    private DateTimeOffset _seenSince;
    private int _failures;

    public SeedNodeDiscovery(string portName, int requiredContactPoints, TimeSpan stableMargin)
    {
        _portName = portName;
        _required = requiredContactPoints;
        _stableMargin = stableMargin;
        ReceiveAsync<LookUp>(_ => LookUpAsync());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string portName, int requiredContactPoints, TimeSpan stableMargin) =>
        Akka.Actor.Props.Create(() => new SeedNodeDiscovery(portName, requiredContactPoints, stableMargin));

    private sealed record LookUp
    {
        public static readonly LookUp Instance = new();
    }

    protected override void PreStart()
    {
        LogDiscovering(Log, _required, _portName);
        Timers.StartPeriodicTimer(LookupTimer, LookUp.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    /// <summary>The seed nodes, lowest address first, of the contact points a lookup found.</summary>
    public static IReadOnlyList<string> SeedNodes(ServiceDiscovery.Resolved resolved, string systemName, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        return [.. resolved.Addresses
            .Select(a => (Host: a.Host, Port: a.Port ?? defaultPort))
            .Distinct()
            .OrderBy(a => a.Host, StringComparer.Ordinal)
            .ThenBy(a => a.Port)
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"akka.tcp://{systemName}@{a.Host}:{a.Port}"))];
    }

    private async Task LookUpAsync()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        if (cluster.State.Members.Any(m => m.Address.Equals(cluster.SelfAddress)))
        {
            // Joined (or joining): nothing more to do.
            Context.Stop(Self);
            return;
        }

        ServiceDiscovery.Resolved resolved;
        try
        {
            resolved = await Akka.Discovery.Discovery.Get(Context.System).Default.Lookup(new Lookup(ClusterAkkaConfig.ServiceName, _portName), TimeSpan.FromSeconds(5));
            _failures = 0;
        }
        catch (Exception e) when (e is not OperationCanceledException || !LifetimeToken.IsCancellationRequested)
        {
            if (++_failures % 10 == 1)
            {
                LogLookupFailed(Log, e, _failures);
            }

            return;
        }

        var seeds = SeedNodes(resolved, Context.System.Name, cluster.SelfAddress.Port ?? 0);
        var now = Time.GetUtcNow();
        if (!seeds.SequenceEqual(_seen))
        {
            _seen = seeds;
            _seenSince = now;
            LogSeen(Log, seeds.Count, seeds);
            return;
        }

        if (seeds.Count < _required || now - _seenSince < _stableMargin)
        {
            return;
        }

        LogJoining(Log, seeds);
        cluster.JoinSeedNodes([.. seeds.Select(Address.Parse)]);
        Context.Stop(Self);
    }

    [LoggerMessage(EventId = 1731, Level = LogLevel.Information, Message = "No seed nodes configured: looking for {Required} or more replicas (container port {PortName}) among the pods")]
    private static partial void LogDiscovering(ILogger logger, int required, string portName);

    [LoggerMessage(EventId = 1732, Level = LogLevel.Information, Message = "Replicas found: {Count} ({Seeds})")]
    private static partial void LogSeen(ILogger logger, int count, IReadOnlyList<string> seeds);

    [LoggerMessage(EventId = 1733, Level = LogLevel.Information, Message = "Joining the cluster through the seed nodes {Seeds}")]
    private static partial void LogJoining(ILogger logger, IReadOnlyList<string> seeds);

    [LoggerMessage(EventId = 1734, Level = LogLevel.Warning, Message = "Could not look the replicas up ({Failures} attempts so far); retrying every second")]
    private static partial void LogLookupFailed(ILogger logger, Exception error, int failures);
}

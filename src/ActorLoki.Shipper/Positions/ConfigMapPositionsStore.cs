using ActorLoki.Kubernetes;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Positions in a ConfigMap of the shipper's namespace: no volume needed, so it works on EKS Fargate.
/// Updates carry the resourceVersion last seen (optimistic concurrency). On a conflict the ConfigMap is
/// read again and merged: streams this shipper saved win, others' entries are kept, so a second writer
/// (another replica during a rollout, or scale-out later) never has its positions wiped.
/// </summary>
public sealed class ConfigMapPositionsStore(KubernetesClient client, string @namespace, string name) : IPositionsStore
{
    /// <summary>The ConfigMap key holding the positions document.</summary>
    public const string DataKey = PositionsConfigMap.DataKey;

    private readonly PositionsConfigMap _configMap = new(client, @namespace, name, Labels, "use positions.store = file, or follow fewer containers per shipper");

    private string? _resourceVersion;

    /// <summary>The labels of the positions ConfigMap (the sharded store adds the shard to them).</summary>
    internal static IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string>
    {
        ["app.kubernetes.io/name"] = "actorloki",
        ["app.kubernetes.io/component"] = "positions",
    };

    public string Description => _configMap.Description;

    public async Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken)
    {
        var configMap = await _configMap.GetAsync(cancellationToken).ConfigureAwait(false);
        _resourceVersion = configMap?.Metadata?.ResourceVersion;
        return _configMap.Read(configMap);
    }

    public async Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
    {
        var ours = positions.Select(p => p.Key).ToHashSet();
        var written = await _configMap.WriteAsync(
            positions,
            _resourceVersion,
            current => [.. _configMap.Read(current).Where(p => !ours.Contains(p.Key)).Concat(positions)],
            cancellationToken).ConfigureAwait(false);
        _resourceVersion = written.Metadata?.ResourceVersion;
    }
}

using System.Text;
using ActorLoki.Kubernetes;
using k8s.Models;

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
    public const string DataKey = "positions.json";

    // A ConfigMap holds at most 1 MiB; say so clearly before the API server refuses it.
    private const int MaxBytes = 1024 * 1024 - 4096;

    private string? _resourceVersion;

    public string Description => $"configmap {@namespace}/{name}";

    public async Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken)
    {
        var configMap = await client.TryGetConfigMapAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        _resourceVersion = configMap?.Metadata?.ResourceVersion;
        return Read(configMap);
    }

    public async Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
    {
        var json = PositionsDocument.Serialize(positions);
        if (json.Length > MaxBytes)
        {
            throw new InvalidOperationException(
                $"{Description}: {positions.Count} positions take {json.Length} bytes, more than a ConfigMap holds; use positions.store = file, or follow fewer containers per shipper");
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var written = _resourceVersion is null
                    ? await client.CreateConfigMapAsync(@namespace, Build(json, null), cancellationToken).ConfigureAwait(false)
                    : await client.UpdateConfigMapAsync(@namespace, Build(json, _resourceVersion), cancellationToken).ConfigureAwait(false);
                _resourceVersion = written.Metadata?.ResourceVersion;
                return;
            }
            catch (KubernetesConflictException) when (attempt < 5)
            {
                // Someone else wrote it (or it already exists): take their version and merge ours over it.
                var current = await client.TryGetConfigMapAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
                _resourceVersion = current?.Metadata?.ResourceVersion;
                var ours = positions.Select(p => p.Key).ToHashSet();
                var merged = Read(current).Where(p => !ours.Contains(p.Key)).Concat(positions).ToList();
                json = PositionsDocument.Serialize(merged);
            }
            catch (KubernetesNotFoundException) when (attempt < 5)
            {
                // Deleted under us: create it again.
                _resourceVersion = null;
            }
        }
    }

    private IReadOnlyList<SavedPosition> Read(V1ConfigMap? configMap) =>
        configMap?.Data is { } data && data.TryGetValue(DataKey, out var text) && text.Length > 0
            ? PositionsDocument.Deserialize(Encoding.UTF8.GetBytes(text), Description)
            : [];

    private V1ConfigMap Build(byte[] json, string? resourceVersion) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = @namespace,
            ResourceVersion = resourceVersion,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = "actorloki",
                ["app.kubernetes.io/component"] = "positions",
            },
        },
        Data = new Dictionary<string, string> { [DataKey] = Encoding.UTF8.GetString(json) },
    };
}

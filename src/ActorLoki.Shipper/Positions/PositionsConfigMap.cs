using System.Text;
using ActorLoki.Kubernetes;
using k8s.Models;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// One ConfigMap holding a positions document, read and written with optimistic concurrency on its
/// resourceVersion: the part the single-replica store and the sharded store share. A write that meets a
/// conflict (someone else wrote, or created it first) reads the ConfigMap again and asks the caller to
/// merge its positions over the fresh content, so another writer's entries are never lost or rolled back.
/// </summary>
internal sealed class PositionsConfigMap(KubernetesClient client, string @namespace, string name, IReadOnlyDictionary<string, string> labels, string sizeAdvice)
{
    /// <summary>The ConfigMap key holding the positions document.</summary>
    public const string DataKey = "positions.json";

    /// <summary>
    /// What a positions document may take: the API server refuses a ConfigMap whose data exceeds 1 MiB; a
    /// little is kept for the rest of the object.
    /// </summary>
    public const int MaxBytes = 1024 * 1024 - 4096;

    private const int MaxAttempts = 5;

    public string Name => name;

    public string Description => $"configmap {@namespace}/{name}";

    /// <summary>The ConfigMap as it is now, or null when it does not exist.</summary>
    public Task<V1ConfigMap?> GetAsync(CancellationToken cancellationToken) => client.TryGetConfigMapAsync(@namespace, name, cancellationToken);

    /// <summary>The positions in a ConfigMap read by <see cref="GetAsync"/>; a malformed document is a <see cref="FormatException"/>.</summary>
    public IReadOnlyList<SavedPosition> Read(V1ConfigMap? configMap) => ReadDocument(configMap, Description);

    /// <summary>The positions document of any ConfigMap (the store's own or another one being migrated from).</summary>
    public static IReadOnlyList<SavedPosition> ReadDocument(V1ConfigMap? configMap, string description) =>
        configMap?.Data is { } data && data.TryGetValue(DataKey, out var text) && text.Length > 0
            ? PositionsDocument.Deserialize(Encoding.UTF8.GetBytes(text), description)
            : [];

    /// <summary>
    /// Writes <paramref name="positions"/>: an update on <paramref name="resourceVersion"/> (a create when null).
    /// On a conflict the ConfigMap is read again and <paramref name="merge"/> (given the fresh ConfigMap, null
    /// when it is gone) says what to write instead; on a 404 it is created. Returns the written ConfigMap.
    /// </summary>
    public async Task<V1ConfigMap> WriteAsync(
        IReadOnlyList<SavedPosition> positions,
        string? resourceVersion,
        Func<V1ConfigMap?, IReadOnlyList<SavedPosition>> merge,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var json = Serialize(positions);
            try
            {
                return resourceVersion is null
                    ? await client.CreateConfigMapAsync(@namespace, Build(json, null), cancellationToken).ConfigureAwait(false)
                    : await client.UpdateConfigMapAsync(@namespace, Build(json, resourceVersion), cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesConflictException) when (attempt < MaxAttempts)
            {
                // Someone else wrote it (or it already exists): take their version and merge ours over it.
                var current = await GetAsync(cancellationToken).ConfigureAwait(false);
                resourceVersion = current?.Metadata?.ResourceVersion;
                positions = merge(current);
            }
            catch (KubernetesNotFoundException) when (attempt < MaxAttempts)
            {
                // Deleted under us: create it again.
                resourceVersion = null;
                positions = merge(null);
            }
        }
    }

    /// <summary>The document of <paramref name="positions"/>, or an error naming the ConfigMap when it would not fit in one.</summary>
    public byte[] Serialize(IReadOnlyList<SavedPosition> positions)
    {
        var json = PositionsDocument.Serialize(positions);
        if (json.Length > MaxBytes)
        {
            throw new InvalidOperationException(
                $"{Description}: {positions.Count} positions take {json.Length} bytes, more than a ConfigMap holds (1 MiB); {sizeAdvice}");
        }

        return json;
    }

    private V1ConfigMap Build(byte[] json, string? resourceVersion) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = @namespace,
            ResourceVersion = resourceVersion,
            Labels = new Dictionary<string, string>(labels),
        },
        Data = new Dictionary<string, string> { [DataKey] = Encoding.UTF8.GetString(json) },
    };
}

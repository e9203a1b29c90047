using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// The stored form of positions, shared by the file and ConfigMap stores: one JSON document, versioned,
/// readable by a person (`kubectl get configmap actorloki-positions -o yaml`).
/// </summary>
public static class PositionsDocument
{
    public const int CurrentVersion = 1;

    public static byte[] Serialize(IReadOnlyList<SavedPosition> positions)
    {
        var document = new Document
        {
            Version = CurrentVersion,
            Streams = [.. positions
                .OrderBy(p => p.Namespace, StringComparer.Ordinal)
                .ThenBy(p => p.Pod, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Container, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Instance)
                .Select(p => new Entry
                {
                    Namespace = p.Namespace,
                    Pod = p.Pod,
                    Uid = p.Key.PodUid,
                    Container = p.Key.Container,
                    Instance = p.Key.Instance,
                    Since = p.Position.IsFromStart ? null : p.Position.SinceSecond,
                    Skip = p.Position.Skip,
                    Timestamp = p.Position.LastTimestamp,
                    Hash = p.Position.LastLineHash.ToString("x16", CultureInfo.InvariantCulture),
                    Updated = p.UpdatedAt,
                    Gone = p.PodGoneAt,
                    ContainerId = p.ContainerId,
                })],
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, PositionsJsonContext.Default.Document);
    }

    /// <summary>Parses a document; a malformed one is a <see cref="FormatException"/> naming what is wrong.</summary>
    public static IReadOnlyList<SavedPosition> Deserialize(ReadOnlySpan<byte> json, string source)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize(json, PositionsJsonContext.Default.Document);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: positions are not valid JSON ({e.Message})", e);
        }

        if (document is null)
        {
            throw new FormatException($"{source}: positions document is empty");
        }

        if (document.Version != CurrentVersion)
        {
            throw new FormatException($"{source}: positions document version {document.Version} is not supported (expected {CurrentVersion})");
        }

        var result = new List<SavedPosition>(document.Streams?.Count ?? 0);
        foreach (var e in document.Streams ?? [])
        {
            if (string.IsNullOrEmpty(e.Uid) || string.IsNullOrEmpty(e.Container) || e.Instance < 0 || e.Skip < 0
                || !ulong.TryParse(e.Hash, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hash))
            {
                throw new FormatException($"{source}: a position entry is incomplete (pod '{e.Pod}', container '{e.Container}')");
            }

            result.Add(new SavedPosition(
                new StreamKey(e.Uid, e.Container, e.Instance),
                e.Namespace ?? string.Empty,
                e.Pod ?? string.Empty,
                new StreamPosition(e.Since ?? StreamPosition.FromStart, e.Skip, e.Timestamp, hash),
                e.Updated,
                e.Gone,
                e.ContainerId));
        }

        return result;
    }

    internal sealed class Document
    {
        public int Version { get; set; }

        public List<Entry>? Streams { get; set; }
    }

    internal sealed class Entry
    {
        public string? Namespace { get; set; }

        public string? Pod { get; set; }

        public string? Uid { get; set; }

        public string? Container { get; set; }

        public int Instance { get; set; }

        /// <summary>Unix seconds to resume from; absent means the start of the log.</summary>
        public long? Since { get; set; }

        public long Skip { get; set; }

        /// <summary>Unix nanoseconds of the last handled line.</summary>
        public long Timestamp { get; set; }

        public string Hash { get; set; } = "0";

        public DateTimeOffset Updated { get; set; }

        public DateTimeOffset? Gone { get; set; }

        /// <summary>The container runtime's ID of the instance (e.g. containerd://...).</summary>
        public string? ContainerId { get; set; }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PositionsDocument.Document))]
internal sealed partial class PositionsJsonContext : JsonSerializerContext;

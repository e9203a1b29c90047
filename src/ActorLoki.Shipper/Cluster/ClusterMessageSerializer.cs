using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorLoki.Kubernetes.Models;
using Akka.Actor;
using Akka.Serialization;

namespace ActorLoki.Shipper.Cluster;

/// <summary>
/// Writes ActorLoki's cluster messages (<see cref="IClusterMessage"/>) with System.Text.Json's source generator:
/// a one-letter manifest names the type, the payload is the record's JSON; a pod travels as the JSON ActorLoki
/// reads pods in (<see cref="PodJson"/>), after a length-prefixed header. No reflection, no type names on the wire,
/// so a rolling update between two versions of ActorLoki reads what the other wrote as long as the records do.
/// </summary>
public sealed class ClusterMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id on the wire; Akka reserves 0–100 for its own.</summary>
    public const int Id = 4053_16;

    public ClusterMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        EnsureStream => "E",
        StreamPod => "P",
        StreamPodDeleted => "D",
        StreamNotWanted => "X",
        NeedPod => "N",
        HandOff => "H",
        _ => throw new ArgumentException($"{o.GetType()} is not an ActorLoki cluster message", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        EnsureStream m => JsonSerializer.SerializeToUtf8Bytes(m, ClusterJsonContext.Default.EnsureStream),
        StreamPod m => WithPod(new StreamRef(m.PodUid, m.Container), m.Pod),
        StreamPodDeleted m => WithPod(new StreamRef(m.PodUid, m.Container), m.Pod),
        StreamNotWanted m => JsonSerializer.SerializeToUtf8Bytes(new StreamRef(m.PodUid, m.Container), ClusterJsonContext.Default.StreamRef),
        NeedPod m => JsonSerializer.SerializeToUtf8Bytes(new StreamRef(m.PodUid, m.Container), ClusterJsonContext.Default.StreamRef),
        HandOff => [],
        _ => throw new ArgumentException($"{obj.GetType()} is not an ActorLoki cluster message", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        switch (manifest)
        {
            case "E":
                return JsonSerializer.Deserialize(bytes, ClusterJsonContext.Default.EnsureStream) ?? throw Null(manifest);
            case "P":
                {
                    var (header, pod) = ReadWithPod(bytes);
                    return new StreamPod(header.PodUid, header.Container, pod);
                }

            case "D":
                {
                    var (header, pod) = ReadWithPod(bytes);
                    return new StreamPodDeleted(header.PodUid, header.Container, pod);
                }

            case "X":
                {
                    var header = ReadRef(bytes);
                    return new StreamNotWanted(header.PodUid, header.Container);
                }

            case "N":
                {
                    var header = ReadRef(bytes);
                    return new NeedPod(header.PodUid, header.Container);
                }

            case "H":
                return HandOff.Instance;
            default:
                throw new SerializationException($"unknown ActorLoki cluster message manifest \"{manifest}\"");
        }
    }

    private static StreamRef ReadRef(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize(bytes, ClusterJsonContext.Default.StreamRef) ?? throw Null("stream");

    /// <summary>[header length, 4 bytes big-endian][header JSON][pod JSON].</summary>
    private static byte[] WithPod(StreamRef header, Pod pod)
    {
        var head = JsonSerializer.SerializeToUtf8Bytes(header, ClusterJsonContext.Default.StreamRef);
        var body = PodJson.Serialize(pod);
        var bytes = new byte[4 + head.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, head.Length);
        head.CopyTo(bytes.AsSpan(4));
        body.CopyTo(bytes.AsSpan(4 + head.Length));
        return bytes;
    }

    private static (StreamRef Header, Pod Pod) ReadWithPod(byte[] bytes)
    {
        if (bytes.Length < 4)
        {
            throw new SerializationException("a cluster message with a pod is shorter than its header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (length < 0 || length > bytes.Length - 4)
        {
            throw new SerializationException("a cluster message with a pod has a header longer than itself");
        }

        var header = ReadRef(bytes.AsSpan(4, length));
        return (header, PodJson.Deserialize(bytes.AsSpan(4 + length)));
    }

    private static SerializationException Null(string manifest) => new($"cluster message \"{manifest}\" deserialized as null");
}

/// <summary>The ids of a stream, as the messages without a pod carry them.</summary>
internal sealed record StreamRef(string PodUid, string Container);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EnsureStream))]
[JsonSerializable(typeof(StreamRef))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;

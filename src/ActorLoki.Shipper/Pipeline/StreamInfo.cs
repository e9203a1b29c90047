using ActorLoki.Loki;
using ActorLoki.Shipper.Positions;

namespace ActorLoki.Shipper.Pipeline;

/// <summary>
/// What the batcher needs to know of one container stream: where its lines go (the label set), what they
/// carry (structured metadata, shared by every entry), and whose position they advance. A tail makes one
/// per container instance and sends the same instance with every chunk.
/// </summary>
public sealed record StreamInfo(StreamKey Key, string Namespace, string Pod, string Container, LabelSet Labels, StructuredMetadata? Metadata, string? ContainerId = null)
{
    public override string ToString() => $"{Namespace}/{Pod}/{Container}#{Key.Instance}";
}

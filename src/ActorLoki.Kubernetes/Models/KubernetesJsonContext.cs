using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace ActorLoki.Kubernetes.Models;

/// <summary>
/// ActorLoki's own serializer for the objects it reads often or in bulk (pod lists, watch events, ConfigMaps,
/// Status errors). The package's source-generated context covers every Kubernetes type, and its first use costs
/// 25–32 MiB resident; this one covers only these types. Pods are read straight into the trimmed <see cref="Pod"/>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcDateTimeOffsetConverter)])]
[JsonSerializable(typeof(PodList))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(WatchLine))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Status))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;

/// <summary>One line of a watch: its object is a <see cref="Pod"/>, or a Status for an ERROR event.</summary>
internal sealed class WatchLine
{
    public string? Type { get; set; }

    public JsonElement Object { get; set; }
}

/// <summary>Times as the package gave them, in UTC.</summary>
internal sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToUniversalTime());
    }
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using k8s.Models;

namespace ActorLoki.Kubernetes;

/// <summary>Builds the JSON merge patches (RFC 7386) the positions store sends.</summary>
public static class JsonMergePatch
{
    /// <summary>
    /// A patch setting ConfigMap <c>data</c> keys (a null value removes the key), optimistic when
    /// <paramref name="resourceVersion"/> is given: <c>{"metadata":{"resourceVersion":"42"},"data":{"k":"v"}}</c>.
    /// </summary>
    public static byte[] ForData(IEnumerable<KeyValuePair<string, string?>> data, string? resourceVersion = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (resourceVersion is not null)
            {
                writer.WriteStartObject("metadata");
                writer.WriteString("resourceVersion", resourceVersion);
                writer.WriteEndObject();
            }

            writer.WriteStartObject("data");
            foreach (var (key, value) in data)
            {
                if (value is null)
                {
                    writer.WriteNull(key);
                }
                else
                {
                    writer.WriteString(key, value);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The package's form of a merge patch (its body is sent as written).</summary>
    internal static V1Patch ToPatch(ReadOnlyMemory<byte> mergePatch) => new(Encoding.UTF8.GetString(mergePatch.Span), V1Patch.PatchType.MergePatch);
}

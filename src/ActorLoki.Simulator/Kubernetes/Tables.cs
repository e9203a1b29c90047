using System.Globalization;
using System.Text.Json;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// Server-side printing: the <c>meta.k8s.io/v1</c> Table kubectl asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>.
/// </summary>
internal static class Tables
{
    public static bool Wanted(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static void Write(Utf8JsonWriter writer, ResourceType type, IEnumerable<StoredObject> rows, long resourceVersion, DateTimeOffset now, string? continueToken = null)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "Table");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", resourceVersion.ToString(CultureInfo.InvariantCulture));
        if (continueToken is not null)
        {
            writer.WriteString("continue", continueToken);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("columnDefinitions");
        WriteColumns(writer, type);
        writer.WriteEndArray();
        writer.WriteStartArray("rows");
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("cells");
            row.WriteCells(writer, now);
            writer.WriteEndArray();
            writer.WritePropertyName("object");
            row.WritePartialMetadata(writer);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteColumns(Utf8JsonWriter writer, ResourceType type)
    {
        if (type == ResourceType.Pods)
        {
            PodSnapshot.WriteColumns(writer);
            return;
        }

        StoredObject.WriteColumn(writer, "Name", "string", "name", "Name must be unique within a namespace.", 0);
        if (type == ResourceType.ConfigMaps)
        {
            StoredObject.WriteColumn(writer, "Data", "integer", string.Empty, "Data contains the configuration data.", 0);
        }
        else
        {
            StoredObject.WriteColumn(writer, "Holder", "string", string.Empty, "holderIdentity contains the identity of the holder of a current lease.", 0);
        }

        StoredObject.WriteColumn(writer, "Age", "string", string.Empty, "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);
    }
}

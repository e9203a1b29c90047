using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>A resource type the simulator serves, as discovery describes it.</summary>
internal sealed record ResourceType(string Name, string Group, string Version, string Kind, string[] Verbs, string[] ShortNames)
{
    public static readonly ResourceType Pods = new("pods", string.Empty, "v1", "Pod", ["get", "list", "watch", "delete"], ["po"]);
    public static readonly ResourceType ConfigMaps = new("configmaps", string.Empty, "v1", "ConfigMap", ["create", "delete", "get", "list", "patch", "update", "watch"], ["cm"]);
    public static readonly ResourceType Leases = new("leases", "coordination.k8s.io", "v1", "Lease", ["create", "delete", "get", "list", "patch", "update", "watch"], []);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";
}

/// <summary>
/// One version of an object: immutable, with its resourceVersion. Every change stores a new version in the
/// history, which is what watches replay.
/// </summary>
internal abstract class StoredObject(ResourceType type, string @namespace, string name, string uid, long resourceVersion, DateTimeOffset created)
{
    private byte[]? _json;

    public ResourceType Type { get; } = type;

    public string Namespace { get; } = @namespace;

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public long ResourceVersion { get; } = resourceVersion;

    public DateTimeOffset CreationTimestamp { get; } = created;

    public abstract IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>The object as JSON, rendered once.</summary>
    public byte[] Json
    {
        get
        {
            if (Volatile.Read(ref _json) is { } json)
            {
                return json;
            }

            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteJson(writer);
            }

            return _json = buffer.WrittenSpan.ToArray();
        }
    }

    public abstract void WriteJson(Utf8JsonWriter writer);

    /// <summary>The value of a field for field selectors, or null when the field is not selectable.</summary>
    public virtual string? Field(string path) => path switch
    {
        "metadata.name" => Name,
        "metadata.namespace" => Namespace,
        _ => null,
    };

    public virtual void WriteCells(Utf8JsonWriter writer, DateTimeOffset now)
    {
        writer.WriteStringValue(Name);
        writer.WriteStringValue(KubeletTime.Age(now - CreationTimestamp));
    }

    /// <summary>The <c>metadata</c> every kind shares.</summary>
    protected void WriteMetadata(Utf8JsonWriter writer, IReadOnlyDictionary<string, string>? annotations, DateTimeOffset? deletionTimestamp, Action<Utf8JsonWriter>? extra = null)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("name", Name);
        writer.WriteString("namespace", Namespace);
        writer.WriteString("uid", Uid);
        writer.WriteString("resourceVersion", ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteString("creationTimestamp", KubeletTime.Rfc3339(CreationTimestamp));
        if (deletionTimestamp is { } deleted)
        {
            writer.WriteString("deletionTimestamp", KubeletTime.Rfc3339(deleted));
            writer.WriteNumber("deletionGracePeriodSeconds", 30);
        }

        WriteMap(writer, "labels", Labels);
        WriteMap(writer, "annotations", annotations);
        extra?.Invoke(writer);
        writer.WriteEndObject();
    }

    /// <summary>The row object kubectl gets with a table: PartialObjectMetadata.</summary>
    public void WritePartialMetadata(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "PartialObjectMetadata");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        writer.WriteStartObject("metadata");
        writer.WriteString("name", Name);
        writer.WriteString("namespace", Namespace);
        writer.WriteString("uid", Uid);
        writer.WriteString("resourceVersion", ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteString("creationTimestamp", KubeletTime.Rfc3339(CreationTimestamp));
        WriteMap(writer, "labels", Labels);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    protected static void WriteMap(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    internal static void WriteColumn(Utf8JsonWriter writer, string name, string type, string format, string description, int priority)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("type", type);
        writer.WriteString("format", format);
        writer.WriteString("description", description);
        writer.WriteNumber("priority", priority);
        writer.WriteEndObject();
    }
}

/// <summary>A ConfigMap or a Lease: stored as the JSON the client sent, with server-managed metadata.</summary>
internal sealed class JsonStoredObject : StoredObject
{
    private readonly JsonObject _body;
    private readonly Dictionary<string, string> _labels;

    public JsonStoredObject(ResourceType type, string @namespace, string name, string uid, long resourceVersion, DateTimeOffset created, JsonObject body)
        : base(type, @namespace, name, uid, resourceVersion, created)
    {
        _body = (JsonObject)body.DeepClone();
        _body["apiVersion"] = type.ApiVersion;
        _body["kind"] = type.Kind;
        var metadata = _body["metadata"] as JsonObject ?? [];
        _body["metadata"] = metadata;
        metadata["name"] = name;
        metadata["namespace"] = @namespace;
        metadata["uid"] = uid;
        metadata["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata["creationTimestamp"] = KubeletTime.Rfc3339(created);
        _labels = metadata["labels"] is JsonObject labels
            ? labels.Where(l => l.Value is JsonValue).ToDictionary(l => l.Key, l => l.Value!.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    public override IReadOnlyDictionary<string, string> Labels => _labels;

    /// <summary>A copy of the stored body, to patch.</summary>
    public JsonObject Body => (JsonObject)_body.DeepClone();

    public override void WriteJson(Utf8JsonWriter writer) => _body.WriteTo(writer);

    public override void WriteCells(Utf8JsonWriter writer, DateTimeOffset now)
    {
        writer.WriteStringValue(Name);
        if (Type == ResourceType.ConfigMaps)
        {
            writer.WriteNumberValue((_body["data"] as JsonObject)?.Count ?? 0);
        }
        else
        {
            writer.WriteStringValue((_body["spec"] as JsonObject)?["holderIdentity"]?.ToString() ?? string.Empty);
        }

        writer.WriteStringValue(KubeletTime.Age(now - CreationTimestamp));
    }
}

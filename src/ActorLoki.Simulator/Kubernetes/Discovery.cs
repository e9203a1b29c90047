using System.Text.Json;

namespace ActorLoki.Simulator.Kubernetes;

/// <summary>The discovery documents kubectl reads before anything else (legacy, non-aggregated form).</summary>
internal static class Discovery
{
    public static void WriteVersion(Utf8JsonWriter writer, string version)
    {
        var parts = version.TrimStart('v').Split('.');
        writer.WriteStartObject();
        writer.WriteString("major", parts[0]);
        writer.WriteString("minor", parts.Length > 1 ? parts[1] : "0");
        writer.WriteString("gitVersion", version);
        writer.WriteString("gitCommit", "0000000000000000000000000000000000000000");
        writer.WriteString("gitTreeState", "clean");
        writer.WriteString("buildDate", "2024-06-01T00:00:00Z");
        writer.WriteString("goVersion", "go1.22.4");
        writer.WriteString("compiler", "gc");
        writer.WriteString("platform", "linux/amd64");
        writer.WriteEndObject();
    }

    public static void WriteApiVersions(Utf8JsonWriter writer, string serverAddress)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "APIVersions");
        writer.WriteStartArray("versions");
        writer.WriteStringValue("v1");
        writer.WriteEndArray();
        writer.WriteStartArray("serverAddressByClientCIDRs");
        writer.WriteStartObject();
        writer.WriteString("clientCIDR", "0.0.0.0/0");
        writer.WriteString("serverAddress", serverAddress);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteGroupList(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "APIGroupList");
        writer.WriteString("apiVersion", "v1");
        writer.WriteStartArray("groups");
        WriteGroup(writer, false);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteGroup(Utf8JsonWriter writer, bool standalone)
    {
        writer.WriteStartObject();
        if (standalone)
        {
            writer.WriteString("kind", "APIGroup");
            writer.WriteString("apiVersion", "v1");
        }

        writer.WriteString("name", "coordination.k8s.io");
        writer.WriteStartArray("versions");
        writer.WriteStartObject();
        writer.WriteString("groupVersion", "coordination.k8s.io/v1");
        writer.WriteString("version", "v1");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartObject("preferredVersion");
        writer.WriteString("groupVersion", "coordination.k8s.io/v1");
        writer.WriteString("version", "v1");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteCoreResources(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "APIResourceList");
        writer.WriteString("groupVersion", "v1");
        writer.WriteStartArray("resources");
        WriteResource(writer, "namespaces", "Namespace", false, ["get", "list"], ["ns"], []);
        WriteResource(writer, ResourceType.Pods.Name, ResourceType.Pods.Kind, true, ResourceType.Pods.Verbs, ResourceType.Pods.ShortNames, ["all"]);
        WriteResource(writer, "pods/log", "Pod", true, ["get"], [], []);
        WriteResource(writer, ResourceType.ConfigMaps.Name, ResourceType.ConfigMaps.Kind, true, ResourceType.ConfigMaps.Verbs, ResourceType.ConfigMaps.ShortNames, []);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCoordinationResources(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "APIResourceList");
        writer.WriteString("apiVersion", "v1");
        writer.WriteString("groupVersion", "coordination.k8s.io/v1");
        writer.WriteStartArray("resources");
        WriteResource(writer, ResourceType.Leases.Name, ResourceType.Leases.Kind, true, ResourceType.Leases.Verbs, ResourceType.Leases.ShortNames, []);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteResource(Utf8JsonWriter writer, string name, string kind, bool namespaced, string[] verbs, string[] shortNames, string[] categories)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("singularName", name.Contains('/', StringComparison.Ordinal) ? string.Empty : kind.ToLowerInvariant());
        writer.WriteBoolean("namespaced", namespaced);
        writer.WriteString("kind", kind);
        writer.WriteStartArray("verbs");
        foreach (var verb in verbs)
        {
            writer.WriteStringValue(verb);
        }

        writer.WriteEndArray();
        if (shortNames.Length > 0)
        {
            writer.WriteStartArray("shortNames");
            foreach (var shortName in shortNames)
            {
                writer.WriteStringValue(shortName);
            }

            writer.WriteEndArray();
        }

        if (categories.Length > 0)
        {
            writer.WriteStartArray("categories");
            foreach (var category in categories)
            {
                writer.WriteStringValue(category);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}

namespace ActorLoki.Kubernetes.Models;

/// <summary>
/// A ConfigMap. An update sends back only the fields modelled here, which is all a positions store
/// writes; fields this client does not model (finalizers, managedFields) are dropped by a full update.
/// </summary>
public sealed class ConfigMap : IKubernetesObject
{
    public string? ApiVersion { get; set; } = "v1";

    public string? Kind { get; set; } = "ConfigMap";

    public ObjectMeta? Metadata { get; set; }

    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Values are base64 on the wire and bytes here.</summary>
    public Dictionary<string, byte[]>? BinaryData { get; set; }
}

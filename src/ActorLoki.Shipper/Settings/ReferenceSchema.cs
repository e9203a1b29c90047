using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>What kind of setting a path of reference.conf is.</summary>
internal enum SettingKind
{
    /// <summary>A non-empty object: its keys are known settings.</summary>
    Section,

    /// <summary>An empty object in reference.conf: a free-form map (labels.static, loki.headers, logging.levels...).</summary>
    Map,

    List,
    Scalar,
}

/// <summary>The known keys below one root, as reference.conf (or Akka's reference configuration) declares them.</summary>
internal sealed class ReferenceSchema
{
    public const string Root = "actorloki";

    public ReferenceSchema(HoconObject reference, string root = Root)
    {
        Reference = reference;
        RootKey = root;
        var paths = new List<string>();
        if (reference.TryGetField(root, out var top) && top is HoconObject section)
        {
            Collect(section, root, paths);
        }

        KnownPaths = paths;
    }

    /// <summary>The top-level key this schema describes: <c>actorloki</c> or <c>akka</c>.</summary>
    public string RootKey { get; }

    /// <summary>The resolved reference.conf.</summary>
    public HoconObject Reference { get; }

    /// <summary>Every section and setting, as full dotted paths (not the entries of free-form maps).</summary>
    public IReadOnlyList<string> KnownPaths { get; }

    public static SettingKind KindOf(HoconValue value) => value switch
    {
        HoconObject { Count: 0 } => SettingKind.Map,
        HoconObject => SettingKind.Section,
        HoconArray => SettingKind.List,
        _ => SettingKind.Scalar,
    };

    /// <summary>
    /// The kind of the setting at a path, and how many leading segments name known keys (the rest
    /// are the key of a map entry). Null when the path is not a known setting.
    /// </summary>
    public (SettingKind Kind, int KnownSegments)? Find(IReadOnlyList<string> path)
    {
        HoconValue node = Reference;
        for (var i = 0; i < path.Count; i++)
        {
            if (KindOf(node) == SettingKind.Map && i > 0)
            {
                return (SettingKind.Map, i);
            }

            if (node is not HoconObject obj || !obj.TryGetField(path[i], out var child))
            {
                return null;
            }

            node = child;
        }

        return (KindOf(node), path.Count);
    }

    private static void Collect(HoconObject section, string prefix, List<string> paths)
    {
        paths.Add(prefix);
        foreach (var (key, value) in section.Fields)
        {
            var path = prefix + "." + HoconPath.RenderKey(key, first: false);
            if (value is HoconObject { Count: > 0 } child)
            {
                Collect(child, path, paths);
            }
            else
            {
                paths.Add(path);
            }
        }
    }
}

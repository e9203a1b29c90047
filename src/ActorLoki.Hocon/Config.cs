namespace ActorLoki.Hocon;

/// <summary>
/// An Akka-style view of a HOCON tree: parse, layer with <see cref="WithFallback"/>, <see cref="Resolve"/>,
/// then read values by path. Getters throw <see cref="HoconException"/> naming the full key, where the
/// value was set, the value, and what was expected.
/// </summary>
public sealed class Config
{
    private readonly IReadOnlyList<string> _path;

    private Config(HoconObject root, IReadOnlyList<string> path)
    {
        Root = root;
        _path = path;
    }

    public static Config Empty { get; } = new(HoconObject.Empty(new HoconOrigin("empty config")), []);

    public HoconObject Root { get; }

    /// <summary>False while substitutions remain; getters need a resolved config.</summary>
    public bool IsResolved => Root.IsResolved;

    public static Config FromObject(HoconObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new(root, []);
    }

    public static Config ParseString(string text, string description = "string", HoconParseOptions? options = null) =>
        new(HoconParser.Parse(text, description, options), []);

    public static Config ParseFile(string path, HoconParseOptions? options = null) => new(HoconParser.ParseFile(path, options), []);

    /// <summary>This config over <paramref name="fallback"/>; resolve after all layers are merged, so substitutions see every layer.</summary>
    public Config WithFallback(Config fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        return new(Root.WithFallback(fallback.Root), _path);
    }

    /// <param name="environment">Fallback for substitutions of unset paths; null uses the process environment.</param>
    public Config Resolve(IReadOnlyDictionary<string, string>? environment = null) =>
        IsResolved ? this : new(HoconResolver.Resolve(Root, environment ?? HoconEnvironment.Process()), _path);

    /// <summary>True when the path is set to something other than null.</summary>
    public bool HasPath(string path) => Find(path) is { Type: not HoconValueType.Null };

    /// <summary>The value at the path, or null when it is not set.</summary>
    public HoconValue? GetValue(string path) => Find(path);

    public string GetString(string path) => Get(path, "a string", static (HoconValue v, out string r) => v.TryGetString(out r));

    public int GetInt(string path) => Get(path, "a whole number", static (HoconValue v, out int r) => v.TryGetInt32(out r));

    public long GetLong(string path) => Get(path, "a whole number", static (HoconValue v, out long r) => v.TryGetInt64(out r));

    public double GetDouble(string path) => Get(path, "a number", static (HoconValue v, out double r) => v.TryGetDouble(out r));

    public bool GetBoolean(string path) => Get(path, "true or false", static (HoconValue v, out bool r) => v.TryGetBoolean(out r));

    public TimeSpan GetTimeSpan(string path) =>
        Get(path, HoconUnits.DurationExpectation, static (HoconValue v, out TimeSpan r) => v.TryGetDuration(out r));

    /// <summary>A size in bytes.</summary>
    public long GetByteSize(string path) =>
        Get(path, HoconUnits.ByteSizeExpectation, static (HoconValue v, out long r) => v.TryGetByteSize(out r));

    public IReadOnlyList<string> GetStringList(string path)
    {
        var value = Require(path);
        if (value is not HoconArray array)
        {
            throw Mismatch(path, value, "a list of strings such as [\"a\", \"b\"]");
        }

        return [.. array.Items.Select(item => item.TryGetString(out var s) ? s : throw Mismatch(path, item, "a list of strings such as [\"a\", \"b\"]"))];
    }

    /// <summary>The object at the path as a config of its own; keys in its errors stay full paths.</summary>
    public Config GetConfig(string path)
    {
        var value = Require(path);
        return value is HoconObject obj ? new(obj, [.. _path, .. HoconPath.Parse(path)]) : throw Mismatch(path, value, "an object { ... }");
    }

    private delegate bool TryConvert<T>(HoconValue value, out T result);

    private T Get<T>(string path, string expected, TryConvert<T> convert)
    {
        var value = Require(path);
        return convert(value, out var result) ? result : throw Mismatch(path, value, expected);
    }

    private HoconValue? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsResolved)
        {
            throw new InvalidOperationException("The configuration has unresolved substitutions; call Resolve() first.");
        }

        return Root.GetValue(HoconPath.Parse(path));
    }

    private HoconValue Require(string path) =>
        Find(path) is { Type: not HoconValueType.Null } value
            ? value
            : throw new HoconException(Root.Origin, $"{FullPath(path)} is not set");

    private HoconException Mismatch(string path, HoconValue value, string expected) =>
        new(value.Origin, $"{FullPath(path)} = {value.Describe()}: expected {expected}");

    private string FullPath(string path) => _path.Count == 0 ? path : HoconPath.Render(_path) + "." + path;

    public override string ToString() => IsResolved ? HoconRenderer.Render(Root) : "(unresolved configuration)";
}

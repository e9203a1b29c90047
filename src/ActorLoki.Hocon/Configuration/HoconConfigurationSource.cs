using Microsoft.Extensions.Configuration;

namespace ActorLoki.Hocon.Configuration;

/// <summary>A HOCON file as a configuration source (optional, reloadable, through the file-provider machinery).</summary>
public sealed class HoconConfigurationSource : FileConfigurationSource
{
    /// <summary>Fallback for substitutions of unset paths; null uses the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; set; }

    public HoconParseOptions ParseOptions { get; set; } = HoconParseOptions.Default;

    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new HoconConfigurationProvider(this);
    }
}

/// <summary>Loads a HOCON file: parse (with includes relative to the file), resolve, flatten.</summary>
public sealed class HoconConfigurationProvider(HoconConfigurationSource source) : FileConfigurationProvider(source), IHoconOriginProvider
{
    private FlattenedHocon _flattened = FlattenedHocon.Empty;

    private new HoconConfigurationSource Source => (HoconConfigurationSource)base.Source;

    public override void Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var physicalPath = Source.FileProvider?.GetFileInfo(Source.Path ?? "").PhysicalPath;
        var root = HoconParser.Parse(buffer.ToArray(), physicalPath ?? Source.Path ?? "configuration", physicalPath, Source.ParseOptions);
        _flattened = new FlattenedHocon(HoconResolver.Resolve(root, Source.Environment ?? HoconEnvironment.Process()));
        Data = _flattened.Data;
    }

    public bool TryGetOrigin(string key, out HoconOrigin origin) => _flattened.TryGetOrigin(key, out origin);
}

/// <summary>HOCON text as a configuration source.</summary>
public sealed class HoconStringConfigurationSource : IConfigurationSource
{
    public required string Text { get; init; }

    /// <summary>Names the text in origins and errors.</summary>
    public string Name { get; init; } = "string";

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public HoconParseOptions ParseOptions { get; init; } = HoconParseOptions.Default;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconStringConfigurationProvider(this);
}

/// <summary>Loads HOCON text once.</summary>
public sealed class HoconStringConfigurationProvider(HoconStringConfigurationSource source) : ConfigurationProvider, IHoconOriginProvider
{
    private FlattenedHocon _flattened = FlattenedHocon.Empty;

    public override void Load()
    {
        var root = HoconParser.Parse(source.Text, source.Name, source.ParseOptions);
        _flattened = new FlattenedHocon(HoconResolver.Resolve(root, source.Environment ?? HoconEnvironment.Process()));
        Data = _flattened.Data;
    }

    public bool TryGetOrigin(string key, out HoconOrigin origin) => _flattened.TryGetOrigin(key, out origin);
}

/// <summary>The keys of a resolved tree, their values for the provider's data, and their origins.</summary>
internal sealed class FlattenedHocon
{
    private readonly IReadOnlyDictionary<string, (string? Value, HoconOrigin Origin)> _entries;

    public FlattenedHocon(HoconObject resolved)
    {
        _entries = HoconFlattener.Flatten(resolved);
        Data = _entries.ToDictionary(static e => e.Key, static e => e.Value.Value, StringComparer.OrdinalIgnoreCase);
    }

    private FlattenedHocon()
    {
        _entries = new Dictionary<string, (string?, HoconOrigin)>();
        Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
    }

    public static FlattenedHocon Empty { get; } = new();

    public Dictionary<string, string?> Data { get; }

    public bool TryGetOrigin(string key, out HoconOrigin origin)
    {
        var found = _entries.TryGetValue(key, out var entry);
        origin = entry.Origin!;
        return found;
    }
}

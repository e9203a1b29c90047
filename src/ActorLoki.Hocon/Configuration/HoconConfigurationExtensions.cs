using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace ActorLoki.Hocon.Configuration;

/// <summary><c>builder.AddHoconFile(...)</c> and <c>builder.AddHoconString(...)</c>, shaped like <c>AddJsonFile</c>.</summary>
public static class HoconConfigurationExtensions
{
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path) =>
        builder.AddHoconFile(provider: null, path, optional: false, reloadOnChange: false);

    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional) =>
        builder.AddHoconFile(provider: null, path, optional, reloadOnChange: false);

    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional, bool reloadOnChange) =>
        builder.AddHoconFile(provider: null, path, optional, reloadOnChange);

    public static IConfigurationBuilder AddHoconFile(
        this IConfigurationBuilder builder, IFileProvider? provider, string path, bool optional, bool reloadOnChange)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.AddHoconFile(source =>
        {
            source.FileProvider = provider;
            source.Path = path;
            source.Optional = optional;
            source.ReloadOnChange = reloadOnChange;
            source.ResolveFileProvider();
        });
    }

    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, Action<HoconConfigurationSource> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(configure);
    }

    /// <param name="name">Names the text in origins and errors.</param>
    public static IConfigurationBuilder AddHoconString(
        this IConfigurationBuilder builder, string text, string name = "string", IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        return builder.Add(new HoconStringConfigurationSource { Text = text, Name = name, Environment = environment });
    }

    /// <summary>Where the value a configuration returns for <paramref name="key"/> was set, when a HOCON provider set it.</summary>
    public static HoconOrigin? GetHoconOrigin(this IConfigurationRoot configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(key);

        // Later providers win, so the first one from the end that has the key is the one whose value is seen.
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return provider is IHoconOriginProvider hocon && hocon.TryGetOrigin(key, out var origin) ? origin : null;
            }
        }

        return null;
    }
}

using System.Text;

namespace ActorLoki.Hocon;

/// <summary>How an include names its resource: <c>include "x"</c>, <c>include file("x")</c>, <c>url("x")</c> or <c>classpath("x")</c>.</summary>
public enum HoconIncludeKind
{
    Heuristic,
    File,
    Url,
    Classpath,
}

/// <summary>One include statement, as the parser hands it to an <see cref="IHoconIncluder"/>.</summary>
/// <param name="Name">The quoted name.</param>
/// <param name="IncludingFile">Full path of the including file, or null when it was not a file.</param>
/// <param name="IncludingDescription">Description of the including source (used to name the included one).</param>
public sealed record HoconIncludeRequest(
    string Name,
    HoconIncludeKind Kind,
    bool Required,
    string? IncludingFile,
    string IncludingDescription,
    string? BaseDirectory,
    HoconOrigin Origin);

/// <summary>The text of an included resource.</summary>
/// <param name="FilePath">Full path, so that its own relative includes and include cycles can be found.</param>
public sealed record HoconIncludeSource(string Text, string Description, string? FilePath);

/// <summary>Finds included resources. Returns no sources when the resource does not exist.</summary>
public interface IHoconIncluder
{
    IReadOnlyList<HoconIncludeSource> Resolve(HoconIncludeRequest request);
}

/// <summary>
/// Includes files relative to the directory of the including file (never the working directory,
/// as the specification requires). A name without an extension loads <c>name.json</c> then
/// <c>name.conf</c>, merged. URLs and classpath resources are not supported: a shipper fetching its
/// configuration over the network at start-up is a failure mode we do not want.
/// </summary>
public sealed class FileHoconIncluder : IHoconIncluder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // JSON first and HOCON last, so HOCON wins where both set a key (as the specification orders them).
    private static readonly string[] BasenameExtensions = [".json", ".conf"];

    public static FileHoconIncluder Instance { get; } = new();

    public IReadOnlyList<HoconIncludeSource> Resolve(HoconIncludeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The heuristic form names a URL when it parses as one with a known scheme.
        var isUrl = request.Kind == HoconIncludeKind.Url
            || (request.Kind == HoconIncludeKind.Heuristic
                && Uri.TryCreate(request.Name, UriKind.Absolute, out var uri)
                && uri.Scheme is "http" or "https" or "ftp" or "jar");
        if (isUrl || request.Kind == HoconIncludeKind.Classpath)
        {
            throw new HoconException(
                request.Origin,
                $"{(isUrl ? "url" : "classpath")}() includes are not supported; include a file instead");
        }

        var directory = request.IncludingFile is not null
            ? Path.GetDirectoryName(request.IncludingFile)
            : request.BaseDirectory ?? Directory.GetCurrentDirectory();
        var fullPath = Path.GetFullPath(Path.IsPathRooted(request.Name) ? request.Name : Path.Combine(directory ?? "", request.Name));
        var description = Path.IsPathRooted(request.Name)
            ? request.Name
            : Path.Combine(Path.GetDirectoryName(request.IncludingDescription) ?? "", request.Name);

        if (File.Exists(fullPath))
        {
            return [Read(fullPath, description, request.Origin)];
        }

        if (Path.HasExtension(request.Name))
        {
            return [];
        }

        return [.. BasenameExtensions
            .Where(extension => File.Exists(fullPath + extension))
            .Select(extension => Read(fullPath + extension, description + extension, request.Origin))];
    }

    internal static string Decode(byte[] bytes, string description)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var index = Math.Clamp(e.Index, 0, bytes.Length);
            var line = 1 + bytes.AsSpan(0, index).Count((byte)'\n');
            var lineStart = bytes.AsSpan(0, index).LastIndexOf((byte)'\n') + 1;
            throw new HoconException(new HoconOrigin(description, line, index - lineStart + 1), "the file is not valid UTF-8", e);
        }
    }

    private static HoconIncludeSource Read(string fullPath, string description, HoconOrigin origin)
    {
        try
        {
            return new HoconIncludeSource(Decode(File.ReadAllBytes(fullPath), description), description, fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HoconException(origin, $"cannot read included file {description}: {e.Message}", e);
        }
    }
}

namespace ActorLoki.Shipper.Positions;

/// <summary>
/// Positions in a file on a mounted volume. A save writes a temporary file beside it, flushes it to
/// disk and renames it over the old one, so a crash leaves either the old or the new positions, never
/// a torn file.
/// </summary>
public sealed class FilePositionsStore(string path) : IPositionsStore
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string Description => $"file {Path}";

    public async Task<IReadOnlyList<SavedPosition>> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        return bytes.Length == 0 ? [] : PositionsDocument.Deserialize(bytes, Path);
    }

    public async Task SaveAsync(IReadOnlyList<SavedPosition> positions, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        var bytes = PositionsDocument.Serialize(positions);
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>
    /// Moves an unreadable positions file aside (it is kept for inspection) so the shipper can start;
    /// returns where it went.
    /// </summary>
    public string QuarantineCorruptFile(TimeProvider time)
    {
        var aside = $"{Path}.corrupt-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
        File.Move(Path, aside, overwrite: true);
        return aside;
    }
}

namespace ActorLoki.Loki.Http;

/// <summary>
/// A file whose content is loaded and reloaded when it changes: its size and modification time are
/// checked on use, and the file is re-read at least every refresh interval anyway (a Secret mounted by
/// Kubernetes is swapped through symlinks, which a change check may miss). If a reload fails, the last
/// good content stays in use; if the file never loaded, <see cref="Get"/> throws.
/// </summary>
internal sealed class ReloadingFile<T>
    where T : class
{
    private readonly Lock _gate = new();
    private readonly Func<string, T> _load;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refresh;
    private readonly Action<string, Exception?>? _reloaded;
    private T? _value;
    private (long Length, DateTime Modified) _stamp;
    private long _loadedAt;
    private bool _stale = true;

    /// <param name="path">The file.</param>
    /// <param name="load">Reads the file; throws when it is unusable.</param>
    /// <param name="time">The clock for the refresh interval.</param>
    /// <param name="refresh">Re-read at least this often.</param>
    /// <param name="reloaded">Told of every reload: the path, and the failure or null.</param>
    public ReloadingFile(string path, Func<string, T> load, TimeProvider time, TimeSpan refresh, Action<string, Exception?>? reloaded = null)
    {
        Path = path;
        _load = load;
        _time = time;
        _refresh = refresh;
        _reloaded = reloaded;
    }

    public string Path { get; }

    /// <summary>The current content, reloaded first when the file changed or the refresh interval passed.</summary>
    public T Get()
    {
        lock (_gate)
        {
            var stamp = Stamp();
            if (_value is null || _stale || stamp != _stamp || _time.GetElapsedTime(_loadedAt) >= _refresh)
            {
                Reload(stamp);
            }

            return _value ?? throw new UnreadableFileException(Path, null);
        }
    }

    /// <summary>Forces a re-read on the next <see cref="Get"/> (after a 401, the credential may have rotated).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _stale = true;
        }
    }

    private void Reload((long, DateTime) stamp)
    {
        try
        {
            var value = _load(Path);
            var changed = _value is not null && stamp != _stamp;
            _value = value;
            _stamp = stamp;
            _stale = false;
            _loadedAt = _time.GetTimestamp();
            if (changed)
            {
                _reloaded?.Invoke(Path, null);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            _reloaded?.Invoke(Path, e);
            if (_value is null)
            {
                throw new UnreadableFileException(Path, e);
            }

            // Keep the last good content; try again at the next use after the interval.
            _loadedAt = _time.GetTimestamp();
            _stale = false;
        }
    }

    private (long, DateTime) Stamp()
    {
        var info = new FileInfo(Path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (-1, default);
    }
}

/// <summary>A credential or certificate file that has never been read successfully.</summary>
internal sealed class UnreadableFileException(string path, Exception? inner)
    : Exception(inner is null ? $"'{path}' could not be read." : $"'{path}' could not be read: {inner.GetType().Name}: {inner.Message}", inner);

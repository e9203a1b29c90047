using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorLoki.Kubernetes.Models;

namespace ActorLoki.Kubernetes;

/// <summary>
/// Splits a watch response into its events: one JSON document per line (a JSON string never holds a raw
/// newline, so the newline is a safe delimiter).
/// </summary>
internal sealed class WatchStreamReader(Stream stream) : IDisposable
{
    // etcd rejects objects over 1.5 MiB; an event line far beyond that is a broken stream, not a pod.
    private const int MaxEventBytes = 16 * 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _start;
    private int _end;
    private int _scanned;

    /// <summary>The next event's bytes (valid until the next call), or null at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadEventAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, _scanned + newline - _start);
                _start = _scanned = _scanned + newline + 1;
                if (line.Span.Trim((byte)'\r').IsEmpty)
                {
                    continue;
                }

                return line;
            }

            _scanned = _end;
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _scanned -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= MaxEventBytes)
                {
                    throw new InvalidDataException($"A watch event is longer than {MaxEventBytes} bytes.");
                }

                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, _end).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                // A last event without a newline still counts.
                if (_end > _start && !_buffer.AsSpan(_start, _end - _start).Trim("\r\n "u8).IsEmpty)
                {
                    var last = _buffer.AsMemory(_start, _end - _start);
                    _start = _scanned = _end;
                    return last;
                }

                return null;
            }

            _end += read;
        }
    }

    public static WatchEvent<T> Decode<T>(ReadOnlySpan<byte> line, JsonTypeInfo<T> typeInfo)
        where T : class, IKubernetesObject
    {
        var envelope = JsonSerializer.Deserialize(line, KubernetesJsonContext.Default.WatchEventEnvelope)
            ?? throw new InvalidDataException("A watch event is null.");
        var type = envelope.Type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new InvalidDataException($"Unknown watch event type '{envelope.Type}'."),
        };
        if (envelope.Object.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"A {envelope.Type} watch event carries no object.");
        }

        return type == WatchEventType.Error
            ? new WatchEvent<T>(type, null, envelope.Object.Deserialize(KubernetesJsonContext.Default.Status))
            : new WatchEvent<T>(type, envelope.Object.Deserialize(typeInfo), null);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

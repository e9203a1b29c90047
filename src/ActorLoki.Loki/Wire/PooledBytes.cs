using System.Buffers;

namespace ActorLoki.Loki.Wire;

/// <summary>
/// A growable byte buffer for request bodies, rented so that steady-state pushing allocates no large arrays:
/// small ones from <see cref="ArrayPool{T}.Shared"/>, large ones (a full request, up to max-request-bytes) from
/// <see cref="LargeBuffers"/>, which keeps them for good. Also an <see cref="IBufferWriter{T}"/> (for
/// <see cref="System.Text.Json.Utf8JsonWriter"/>) and writable as a stream (for gzip).
/// </summary>
internal sealed class PooledBytes : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;

    public PooledBytes(int capacity) => _array = Rent(Math.Max(capacity, 256));

    public byte[] Array => _array;

    public int Length { get; set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Length + count > _array.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(Length);
    }

    public Stream AsStream() => new WriteStream(this);

    public void Dispose()
    {
        var array = _array;
        _array = [];
        Length = 0;
        if (array.Length > 0)
        {
            Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Length + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
        {
            return;
        }

        var larger = Rent(Math.Max(needed, _array.Length * 2));
        _array.AsSpan(0, Length).CopyTo(larger);
        Return(_array);
        _array = larger;
    }

    private static byte[] Rent(int size) => size >= LargeBuffers.Threshold ? LargeBuffers.Rent(size) : ArrayPool<byte>.Shared.Rent(size);

    private static void Return(byte[] array)
    {
        if (array.Length >= LargeBuffers.Threshold)
        {
            LargeBuffers.Return(array);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary>
    /// The large body buffers, kept once allocated. <see cref="ArrayPool{T}.Shared"/> drops what it holds when
    /// memory is tight (it trims on a full collection under pressure), which is exactly when a new multi-MiB array
    /// cannot be had: a shipper reading a backlog at its memory limit then failed every push with
    /// <see cref="OutOfMemoryException"/> and stalled. One push is in flight at a time, so a few buffers (the
    /// encoded body and its compressed copy) are all that is ever kept: the two largest, so that they fit every
    /// request up to the largest seen. Sizes are powers of two up to 1 MiB and whole MiB above.
    /// </summary>
    internal static class LargeBuffers
    {
        public const int Threshold = 64 * 1024;

        private const int Kept = 2;
        private const int MiB = 1024 * 1024;

        private static readonly List<byte[]> Free = [];

        public static byte[] Rent(int size)
        {
            lock (Free)
            {
                var best = -1;
                for (var i = 0; i < Free.Count; i++)
                {
                    if (Free[i].Length >= size && (best < 0 || Free[i].Length < Free[best].Length))
                    {
                        best = i;
                    }
                }

                if (best >= 0)
                {
                    var array = Free[best];
                    Free.RemoveAt(best);
                    return array;
                }
            }

            var rounded = size <= MiB ? (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size) : ((long)size + MiB - 1) / MiB * MiB;
            return GC.AllocateUninitializedArray<byte>((int)Math.Min(System.Array.MaxLength, rounded));
        }

        public static void Return(byte[] array)
        {
            lock (Free)
            {
                if (Free.Count == Kept)
                {
                    // Keep the larger ones: they serve every size.
                    var smallest = 0;
                    for (var i = 1; i < Free.Count; i++)
                    {
                        if (Free[i].Length < Free[smallest].Length)
                        {
                            smallest = i;
                        }
                    }

                    if (Free[smallest].Length >= array.Length)
                    {
                        return;
                    }

                    Free.RemoveAt(smallest);
                }

                Free.Add(array);
            }
        }

        /// <summary>Bytes held by the kept buffers (for tests).</summary>
        public static long HeldBytes
        {
            get
            {
                lock (Free)
                {
                    return Free.Sum(a => (long)a.Length);
                }
            }
        }
    }

    private sealed class WriteStream(PooledBytes owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => owner.Length;

        public override long Position
        {
            get => owner.Length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            buffer.CopyTo(owner.GetSpan(buffer.Length));
            owner.Advance(buffer.Length);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

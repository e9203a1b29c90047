using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ActorLoki.Simulator;

/// <summary>
/// A fast 64-bit hash of a line's UTF-8 bytes, the same in the ledger (which may keep no bytes) and the
/// receiver (which may keep no lines), so that long benchmarks can account for every line by its stream,
/// timestamp and hash instead of its text. Not cryptographic; a collision among the lines of one stream
/// with the same timestamp is what it would take to hide a fault.
/// </summary>
public static class LineHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    public static ulong Of(ReadOnlySpan<byte> bytes)
    {
        var hash = Prime3 ^ ((ulong)bytes.Length * Prime1);
        while (bytes.Length >= 8)
        {
            hash = Mix(hash, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            tail |= (ulong)bytes[i] << (8 * i);
        }

        hash = Mix(hash, tail);
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        return hash ^ (hash >> 32);
    }

    /// <summary>The hash of the UTF-8 bytes of <paramref name="line"/>.</summary>
    public static ulong Of(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var length = Encoding.UTF8.GetMaxByteCount(line.Length);
        if (length <= 1024)
        {
            Span<byte> buffer = stackalloc byte[length];
            return Of(buffer[..Encoding.UTF8.GetBytes(line, buffer)]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return Of(rented.AsSpan(0, Encoding.UTF8.GetBytes(line, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ulong Mix(ulong hash, ulong word) => BitOperations.RotateLeft(hash ^ (word * Prime2), 31) * Prime1;
}

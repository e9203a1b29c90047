using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorLoki.Loki.Wire;

/// <summary>
/// A compressor for the snappy <em>block</em> format (the format Loki expects for protobuf pushes, not the
/// framed stream format). IronSnappy's encoder returns a new array per call and measured about 270 MB/s
/// here, below the throughput this client aims for; this one writes into a caller's (pooled) buffer and
/// uses the same greedy algorithm as the reference implementation: independent 64 KiB blocks, a
/// hash table of 4-byte sequences, a lookup stride that grows over incompressible data, and matches
/// extended eight bytes at a time. Its output is standard snappy, decoded by any snappy decoder
/// (the tests decode it with IronSnappy).
/// </summary>
internal static class SnappyBlock
{
    private const int MaxBlockSize = 1 << 16;
    private const int MaxTableSize = 1 << 14;
    private const int MinTableSize = 1 << 8;
    // Matches are only searched for where at least this many bytes remain, so 8-byte loads stay in range.
    private const int InputMargin = 16 - 1;
    private const int MinNonLiteralBlockSize = 1 + 1 + InputMargin;

    /// <summary>The most bytes compressing <paramref name="sourceLength"/> bytes can take.</summary>
    public static int MaxCompressedLength(int sourceLength) => 32 + sourceLength + (sourceLength / 6);

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < MaxCompressedLength(source.Length))
        {
            throw new ArgumentException("The destination is smaller than MaxCompressedLength.", nameof(destination));
        }

        var at = ProtobufPushWriter.WriteVarint(destination, (ulong)source.Length);
        Span<ushort> table = stackalloc ushort[MaxTableSize];
        while (!source.IsEmpty)
        {
            var block = source[..Math.Min(source.Length, MaxBlockSize)];
            at += block.Length < MinNonLiteralBlockSize
                ? EmitLiteral(destination[at..], block)
                : CompressBlock(block, destination[at..], table);
            source = source[block.Length..];
        }

        return at;
    }

    // Straight to optimised code: the loop runs once per 64 KiB, too rarely for tiering to pick it up early.
    // Offsets are checked by construction (see InputMargin), so the loop reads and writes through refs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CompressBlock(ReadOnlySpan<byte> src, Span<byte> dst, Span<ushort> table)
    {
        var tableSize = Math.Clamp((int)BitOperations.RoundUpToPowerOf2((uint)src.Length), MinTableSize, MaxTableSize);
        var shift = 32 - BitOperations.Log2((uint)tableSize);
        table[..tableSize].Clear();

        ref var s0 = ref MemoryMarshal.GetReference(src);
        ref var d0 = ref MemoryMarshal.GetReference(dst);
        ref var t0 = ref MemoryMarshal.GetReference(table);
        var sLimit = src.Length - InputMargin;
        var at = 0;
        var nextEmit = 0;
        var s = 1;
        var nextHash = Hash(Load32(ref s0, s), shift);

        while (true)
        {
            // Look for a 4-byte match, stepping further apart the longer nothing matches (incompressible input is skipped fast).
            var skip = 32;
            var nextS = s;
            int candidate;
            do
            {
                s = nextS;
                var step = skip >> 5;
                nextS = s + step;
                skip += step;
                if (nextS > sLimit)
                {
                    goto EmitRemainder;
                }

                ref var slot = ref Unsafe.Add(ref t0, nextHash);
                candidate = slot;
                slot = (ushort)s;
                nextHash = Hash(Load32(ref s0, nextS), shift);
            }
            while (Load32(ref s0, s) != Load32(ref s0, candidate));

            at += EmitLiteral(ref Unsafe.Add(ref d0, at), ref Unsafe.Add(ref s0, nextEmit), s - nextEmit);

            // Emit copies for as long as the bytes right after a match start another match.
            while (true)
            {
                var matchStart = s;
                s = ExtendMatch(ref s0, candidate + 4, s + 4, src.Length);
                at += EmitCopy(ref Unsafe.Add(ref d0, at), matchStart - candidate, s - matchStart);
                nextEmit = s;
                if (s >= sLimit)
                {
                    goto EmitRemainder;
                }

                var x = Load64(ref s0, s - 1);
                Unsafe.Add(ref t0, Hash((uint)x, shift)) = (ushort)(s - 1);
                ref var slot = ref Unsafe.Add(ref t0, Hash((uint)(x >> 8), shift));
                candidate = slot;
                slot = (ushort)s;
                if ((uint)(x >> 8) != Load32(ref s0, candidate))
                {
                    nextHash = Hash((uint)(x >> 16), shift);
                    s++;
                    break;
                }
            }
        }

    EmitRemainder:
        if (nextEmit < src.Length)
        {
            at += EmitLiteral(ref Unsafe.Add(ref d0, at), ref Unsafe.Add(ref s0, nextEmit), src.Length - nextEmit);
        }

        return at;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ExtendMatch(ref byte s0, int candidate, int s, int end)
    {
        while (s + 8 <= end)
        {
            var difference = Load64(ref s0, s) ^ Load64(ref s0, candidate);
            if (difference != 0)
            {
                // Loads are little-endian numbers, so the first differing byte is the lowest set byte.
                return s + (BitOperations.TrailingZeroCount(difference) >> 3);
            }

            s += 8;
            candidate += 8;
        }

        while (s < end && Unsafe.Add(ref s0, s) == Unsafe.Add(ref s0, candidate))
        {
            s++;
            candidate++;
        }

        return s;
    }

    private static int EmitLiteral(Span<byte> dst, ReadOnlySpan<byte> literal) =>
        EmitLiteral(ref MemoryMarshal.GetReference(dst), ref MemoryMarshal.GetReference(literal), literal.Length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmitLiteral(ref byte dst, ref byte literal, int length)
    {
        var n = length - 1;
        int at;
        if (n < 60)
        {
            dst = (byte)(n << 2);
            at = 1;
        }
        else if (n < 1 << 8)
        {
            dst = 60 << 2;
            Unsafe.Add(ref dst, 1) = (byte)n;
            at = 2;
        }
        else if (n < 1 << 16)
        {
            dst = 61 << 2;
            Unsafe.Add(ref dst, 1) = (byte)n;
            Unsafe.Add(ref dst, 2) = (byte)(n >> 8);
            at = 3;
        }
        else if (n < 1 << 24)
        {
            dst = 62 << 2;
            Unsafe.Add(ref dst, 1) = (byte)n;
            Unsafe.Add(ref dst, 2) = (byte)(n >> 8);
            Unsafe.Add(ref dst, 3) = (byte)(n >> 16);
            at = 4;
        }
        else
        {
            dst = 63 << 2;
            Unsafe.Add(ref dst, 1) = (byte)n;
            Unsafe.Add(ref dst, 2) = (byte)(n >> 8);
            Unsafe.Add(ref dst, 3) = (byte)(n >> 16);
            Unsafe.Add(ref dst, 4) = (byte)(n >> 24);
            at = 5;
        }

        Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref dst, at), ref literal, (uint)length);
        return at + length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmitCopy(ref byte dst, int offset, int length)
    {
        var at = 0;
        // Copies with a 2-byte offset carry up to 64 bytes; longer matches are cut so no piece is under 4 bytes.
        while (length >= 68)
        {
            at += EmitCopy2(ref Unsafe.Add(ref dst, at), offset, 64);
            length -= 64;
        }

        if (length > 64)
        {
            at += EmitCopy2(ref Unsafe.Add(ref dst, at), offset, 60);
            length -= 60;
        }

        if (length >= 12 || offset >= 2048)
        {
            return at + EmitCopy2(ref Unsafe.Add(ref dst, at), offset, length);
        }

        Unsafe.Add(ref dst, at) = (byte)(((offset >> 8) << 5) | ((length - 4) << 2) | 1);
        Unsafe.Add(ref dst, at + 1) = (byte)offset;
        return at + 2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmitCopy2(ref byte dst, int offset, int length)
    {
        dst = (byte)(((length - 1) << 2) | 2);
        Unsafe.Add(ref dst, 1) = (byte)offset;
        Unsafe.Add(ref dst, 2) = (byte)(offset >> 8);
        return 3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(uint bytes, int shift) => (bytes * 0x1e35a7bd) >> shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Load32(ref byte s0, int at)
    {
        var value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref s0, at));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Load64(ref byte s0, int at)
    {
        var value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s0, at));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }
}

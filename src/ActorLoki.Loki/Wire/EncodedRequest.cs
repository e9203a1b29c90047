using System.IO.Compression;
using Snappier;

namespace ActorLoki.Loki.Wire;

/// <summary>One encoded push request: its body (a pooled buffer; dispose to return it) and what it carries.</summary>
internal sealed class EncodedRequest : IDisposable
{
    private readonly PooledBytes _body;

    private EncodedRequest(RequestPlan plan, PooledBytes body, string contentType, string? contentEncoding, int uncompressedBytes, int entries, List<LineFix>? fixes)
    {
        Plan = plan;
        _body = body;
        ContentType = contentType;
        ContentEncoding = contentEncoding;
        UncompressedBytes = uncompressedBytes;
        Entries = entries;
        Fixes = fixes;
        Changes = LineChanges.Of(fixes);
    }

    public RequestPlan Plan { get; }

    public ReadOnlyMemory<byte> Body => _body.Memory;

    public string ContentType { get; }

    public string? ContentEncoding { get; }

    public int UncompressedBytes { get; }

    /// <summary>Entries in the body (the plan's entries less those dropped for length).</summary>
    public int Entries { get; }

    public IReadOnlyList<LineFix>? Fixes { get; }

    public LineChanges Changes { get; }

    public static EncodedRequest Encode(RequestPlan plan, PushFormat format, bool gzip, LineLimits limits) =>
        format == PushFormat.Protobuf ? EncodeProtobuf(plan, limits) : EncodeJson(plan, limits, gzip);

    public void Dispose() => _body.Dispose();

    private static EncodedRequest EncodeProtobuf(RequestPlan plan, LineLimits limits)
    {
        using var raw = ProtobufPushWriter.Encode(plan, limits, out var fixes, out var entries);
        // Snappy block format (what Loki expects), compressed by Snappier into a pooled buffer: faster than the
        // hand-written compressor it replaced and allocation-free but for one small object per call (loki-encode benchmark).
        var compressed = new PooledBytes(Snappy.GetMaxCompressedLength(raw.Length));
        compressed.Length = Snappy.Compress(raw.Span, compressed.Array);
        return new EncodedRequest(plan, compressed, "application/x-protobuf", null, raw.Length, entries, fixes);
    }

    private static EncodedRequest EncodeJson(RequestPlan plan, LineLimits limits, bool gzip)
    {
        var json = new PooledBytes((int)Math.Min(int.MaxValue, (plan.LineBytes * 11 / 10) + 1024));
        JsonPushWriter.Write(plan, limits, json, out var fixes, out var entries);
        if (!gzip)
        {
            return new EncodedRequest(plan, json, "application/json", null, json.Length, entries, fixes);
        }

        using (json)
        {
            var compressed = new PooledBytes((json.Length / 4) + 1024);
            using (var stream = new GZipStream(compressed.AsStream(), CompressionLevel.Fastest, leaveOpen: true))
            {
                stream.Write(json.Span);
            }

            return new EncodedRequest(plan, compressed, "application/json", "gzip", json.Length, entries, fixes);
        }
    }
}

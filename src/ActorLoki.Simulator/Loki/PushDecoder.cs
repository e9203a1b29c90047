using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using ActorLoki.Loki.Protos;
using Google.Protobuf;

namespace ActorLoki.Simulator.Loki;

/// <summary>One entry of a push request, decoded.</summary>
internal readonly record struct IncomingEntry(long TimestampUnixNanos, string Line, KeyValuePair<string, string>[] Metadata);

/// <summary>One stream of a push request, decoded: labels as sent (text) and entries in request order.</summary>
internal sealed record IncomingStream(string Labels, List<IncomingEntry> Entries);

/// <summary>
/// Decodes a push body as Loki's <c>ParseLokiRequest</c> does: <c>Content-Encoding</c> (none, snappy —
/// which only says the body is snappy, as it always is for protobuf — gzip or deflate) is undone first;
/// then <c>application/json</c> is read as JSON, anything else as a snappy block of a protobuf
/// <c>PushRequest</c>. Failures throw <see cref="FormatException"/> with the message answered with 400.
/// </summary>
internal static class PushDecoder
{
    private static readonly KeyValuePair<string, string>[] NoMetadata = [];

    public static List<IncomingStream> Decode(byte[] body, string? contentType, string? contentEncoding)
    {
        body = (contentEncoding ?? "") switch
        {
            "" or "snappy" => body,
            "gzip" => Inflate(body, static s => new GZipStream(s, CompressionMode.Decompress)),
            "deflate" => Inflate(body, static s => new ZLibStream(s, CompressionMode.Decompress)),
            var other => throw new FormatException($"Content-Encoding \"{other}\" not supported"),
        };

        var mediaType = "";
        if (!string.IsNullOrEmpty(contentType))
        {
            mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType ?? "" : throw new FormatException("mime: no media type");
        }

        return string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase) ? DecodeJson(body) : DecodeProtobuf(body);
    }

    private static List<IncomingStream> DecodeProtobuf(byte[] body)
    {
        byte[] raw;
        try
        {
            raw = IronSnappy.Snappy.Decode(body);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FormatException("snappy: corrupt input", e);
        }

        PushRequest request;
        try
        {
            request = PushRequest.Parser.ParseFrom(raw);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException("proto: " + e.Message, e);
        }

        var streams = new List<IncomingStream>(request.Streams.Count);
        foreach (var stream in request.Streams)
        {
            var entries = new List<IncomingEntry>(stream.Entries.Count);
            foreach (var entry in stream.Entries)
            {
                var timestamp = entry.Timestamp is { } t ? (t.Seconds * 1_000_000_000) + t.Nanos : 0;
                var metadata = NoMetadata;
                if (entry.StructuredMetadata.Count > 0)
                {
                    metadata = new KeyValuePair<string, string>[entry.StructuredMetadata.Count];
                    for (var i = 0; i < metadata.Length; i++)
                    {
                        metadata[i] = new(entry.StructuredMetadata[i].Name, entry.StructuredMetadata[i].Value);
                    }
                }

                entries.Add(new IncomingEntry(timestamp, entry.Line, metadata));
            }

            streams.Add(new IncomingStream(stream.Labels, entries));
        }

        return streams;
    }

    private static List<IncomingStream> DecodeJson(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var streams = new List<IncomingStream>();
            if (!document.RootElement.TryGetProperty("streams", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return streams;
            }

            foreach (var stream in array.EnumerateArray())
            {
                var labels = new List<KeyValuePair<string, string>>();
                if (stream.TryGetProperty("stream", out var labelObject))
                {
                    foreach (var property in labelObject.EnumerateObject())
                    {
                        labels.Add(new(property.Name, property.Value.GetString() ?? ""));
                    }
                }

                var entries = new List<IncomingEntry>();
                if (stream.TryGetProperty("values", out var values))
                {
                    foreach (var value in values.EnumerateArray())
                    {
                        entries.Add(ReadJsonEntry(value));
                    }
                }

                // Loki builds the label string from the JSON object; PromText parses it back.
                streams.Add(new IncomingStream(GoText.Labels(labels), entries));
            }

            return streams;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException("loghttp.PushRequest: " + e.Message, e);
        }
    }

    private static IncomingEntry ReadJsonEntry(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is < 2 or > 3)
        {
            throw new FormatException("loghttp.PushRequest: values must be arrays of a timestamp, a line and optional structured metadata");
        }

        var text = value[0].GetString() ?? "";
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var timestamp))
        {
            throw new FormatException($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
        }

        var metadata = NoMetadata;
        if (value.GetArrayLength() == 3)
        {
            metadata = value[2].EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? "")).ToArray();
        }

        return new IncomingEntry(timestamp, value[1].GetString() ?? "", metadata);
    }

    private static byte[] Inflate(byte[] body, Func<Stream, Stream> open)
    {
        try
        {
            using var input = new MemoryStream(body);
            using var decompressor = open(input);
            using var output = new MemoryStream();
            decompressor.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new FormatException(e.Message, e);
        }
    }
}

using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using ActorLoki.Loki.Protos;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ActorLoki.Simulator.Tests.Loki;

/// <summary>Raw push requests, built here (with the generated types and IronSnappy), so the receiver is tested without the client.</summary>
internal static class Pushes
{
    /// <summary>The manual clock's start in the receiver tests, and the same instant in Unix nanoseconds.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    public static readonly long T0 = (Start - DateTimeOffset.UnixEpoch).Ticks * 100;

    public static StreamAdapter Stream(string labels, params (long Timestamp, string Line)[] entries)
    {
        var stream = new StreamAdapter { Labels = labels };
        foreach (var (timestamp, line) in entries)
        {
            stream.Entries.Add(Entry(timestamp, line));
        }

        return stream;
    }

    public static EntryAdapter Entry(long timestamp, string line, params (string Name, string Value)[] metadata)
    {
        var entry = new EntryAdapter
        {
            Timestamp = new Timestamp { Seconds = Math.DivRem(timestamp, 1_000_000_000, out var nanos), Nanos = (int)nanos },
            Line = line,
        };
        foreach (var (name, value) in metadata)
        {
            entry.StructuredMetadata.Add(new LabelPairAdapter { Name = name, Value = value });
        }

        return entry;
    }

    public static HttpContent Protobuf(params StreamAdapter[] streams)
    {
        var request = new PushRequest();
        request.Streams.AddRange(streams);
        var content = new ByteArrayContent(IronSnappy.Snappy.Encode(request.ToByteArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    public static HttpContent Json(string json, bool gzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var stream = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                stream.Write(bytes);
            }

            bytes = compressed.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    public static async Task<(int Status, string Body, HttpResponseMessage Response)> PostAsync(Uri pushUrl, HttpContent content, string? tenant = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, pushUrl) { Content = content };
        if (tenant is not null)
        {
            request.Headers.Add("X-Scope-OrgID", tenant);
        }

        var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public static async Task<(int Status, string Body)> GetAsync(Uri baseAddress, string pathAndQuery, string? tenant = null)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (tenant is not null)
        {
            request.Headers.Add("X-Scope-OrgID", tenant);
        }

        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

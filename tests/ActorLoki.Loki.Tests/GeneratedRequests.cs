using System.Text;
using ActorLoki.Loki.Protos;
using Google.Protobuf.WellKnownTypes;

namespace ActorLoki.Loki.Tests;

/// <summary>
/// A batch as Google.Protobuf's generated <see cref="PushRequest"/>: a string per line, an object per entry. The
/// reference the zero-copy writer is tested against here, and measured against in the loki-encode benchmark
/// (which compiles this file too).
/// </summary>
internal static class GeneratedRequests
{
    public static PushRequest From(PushBatch batch)
    {
        var request = new PushRequest();
        foreach (var stream in batch.Streams)
        {
            var adapter = new StreamAdapter { Labels = stream.Labels.Text };
            for (var i = 0; i < stream.Count; i++)
            {
                var entry = stream[i];
                var seconds = Math.DivRem(entry.TimestampUnixNanos, 1_000_000_000, out var nanos);
                if (nanos < 0)
                {
                    seconds--;
                    nanos += 1_000_000_000;
                }

                var e = new EntryAdapter { Timestamp = new Timestamp { Seconds = seconds, Nanos = (int)nanos }, Line = Encoding.UTF8.GetString(entry.Line.Span) };
                foreach (var pair in entry.Metadata?.Pairs ?? [])
                {
                    e.StructuredMetadata.Add(new LabelPairAdapter { Name = pair.Name, Value = pair.Value });
                }

                adapter.Entries.Add(e);
            }

            request.Streams.Add(adapter);
        }

        return request;
    }
}

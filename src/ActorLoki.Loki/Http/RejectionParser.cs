using System.Globalization;
using System.Text.RegularExpressions;
using ActorLoki.Loki.Wire;

namespace ActorLoki.Loki.Http;

/// <summary>
/// Reads a 400 answer of Loki and estimates how many entries of the request were dropped, and why.
/// Loki's messages come from two places: the distributor (one message per refused stream or entry,
/// grouped as <c>N errors like: …</c> and joined with <c>"; "</c>) and the ingester (per-entry lines and
/// <c>total ignored: N out of M</c> for out-of-order entries). A stream-level refusal (its labels) drops
/// every entry of that stream in the request; an entry-level one drops one entry per occurrence. The
/// counts are estimates: Loki does not name the entries it dropped.
/// </summary>
internal static partial class RejectionParser
{
    private static readonly (string Text, DropReason Reason, bool WholeStream)[] Markers =
    [
        ("max entry size", DropReason.LineTooLong, false),
        ("timestamp too old", DropReason.TooOld, false),
        ("timestamp too new", DropReason.TooFarInFuture, false),
        ("entry too far behind", DropReason.TooFarBehind, false),
        ("entry out of order", DropReason.TooFarBehind, false),
        ("error parsing labels", DropReason.InvalidLabels, true),
        ("at least one label pair is required", DropReason.MissingLabels, true),
        ("label names; limit", DropReason.MaxLabelNamesPerSeries, true),
        ("has label name too long", DropReason.LabelNameTooLong, true),
        ("has label value too long", DropReason.LabelValueTooLong, true),
        ("has duplicate label name", DropReason.DuplicateLabelNames, true),
        ("structured metadata too large", DropReason.StructuredMetadataTooLarge, false),
        ("too many structured metadata labels", DropReason.StructuredMetadataTooLarge, false),
        ("structured metadata, but this feature is disallowed", DropReason.StructuredMetadataDisallowed, true),
    ];

    /// <summary>Dropped entries by reason; never more in total than the request's entries.</summary>
    public static Dictionary<DropReason, int> Estimate(string body, EncodedRequest request)
    {
        var dropped = new Dictionary<DropReason, int>();
        var remaining = request.Entries;
        foreach (var (count, message) in Split(body))
        {
            var ignored = TotalIgnored().Match(message);
            foreach (var (text, reason, wholeStream) in Markers)
            {
                if (!message.Contains(text, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var entries = ignored.Success
                    ? int.Parse(ignored.Groups[1].ValueSpan, CultureInfo.InvariantCulture)
                    : wholeStream ? EntriesOfStreamNamedIn(message, request) ?? count : count;
                entries = Math.Min(entries, remaining);
                if (entries > 0)
                {
                    dropped[reason] = dropped.GetValueOrDefault(reason) + entries;
                    remaining -= entries;
                }

                break;
            }
        }

        if (dropped.Count == 0 && remaining > 0)
        {
            // A 400 with no message Loki writes (a proxy's, or a new reason): nothing says what was kept.
            dropped[DropReason.Other] = remaining;
        }

        return dropped;
    }

    /// <summary>The grouped messages of a distributor answer with their multiplicities.</summary>
    private static IEnumerable<(int Count, string Message)> Split(string body)
    {
        var matches = GroupPrefix().Matches(body);
        if (matches.Count == 0)
        {
            yield return (1, body);
            yield break;
        }

        for (var i = 0; i < matches.Count; i++)
        {
            var start = matches[i].Index + matches[i].Length;
            var end = i + 1 < matches.Count ? matches[i + 1].Index : body.Length;
            yield return (int.Parse(matches[i].Groups[1].ValueSpan, CultureInfo.InvariantCulture), body[start..end]);
        }
    }

    private static int? EntriesOfStreamNamedIn(string message, EncodedRequest request)
    {
        foreach (var segment in request.Plan.Segments)
        {
            var stream = request.Plan.Batch.Streams[segment.Stream];
            if (message.Contains(stream.Labels.Text, StringComparison.Ordinal))
            {
                var dropped = request.Fixes?.Count(f => f.Dropped && f.Stream == segment.Stream) ?? 0;
                return segment.Count - dropped;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?:^|; )(\d+) errors like: ", RegexOptions.CultureInvariant)]
    private static partial Regex GroupPrefix();

    [GeneratedRegex(@"total ignored: (\d+) out of \d+", RegexOptions.CultureInvariant)]
    private static partial Regex TotalIgnored();
}

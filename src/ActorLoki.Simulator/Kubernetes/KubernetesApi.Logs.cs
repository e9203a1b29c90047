using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ActorLoki.Simulator.Kubernetes;

internal sealed partial class KubernetesApi
{
    // Bytes written before a flush when a follower has a large backlog: everything available is sent, in slices.
    private const int FlushBytes = 256 * 1024;

    /// <summary>
    /// <c>GET pods/{name}/log</c>, as the kubelet serves it: optional tail, lines before <c>sinceTime</c> skipped
    /// one by one (timestamps may go backwards), the kubelet timestamp prefixed when asked, <c>limitBytes</c>
    /// cutting mid-line, and with <c>follow</c> everything available written then flushed, until the container
    /// instance ends, its log is removed, or the client leaves.
    /// </summary>
    private async Task LogAsync(HttpContext context, string @namespace, string pod)
    {
        var query = context.Request.Query;
        var container = query["container"].ToString();
        var follow = ParseBool(query["follow"]);
        var timestamps = ParseBool(query["timestamps"]);
        var previous = ParseBool(query["previous"]);
        var since = long.MinValue;
        long? tail = null;
        var limit = long.MaxValue;
        if (query["sinceTime"].Count > 0 && query["sinceSeconds"].Count > 0)
        {
            await new StatusResponse(422, "Invalid", "PodLogOptions \"\" is invalid: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
                .WriteAsync(context.Response);
            return;
        }

        if (query["sinceTime"].ToString() is { Length: > 0 } sinceTime)
        {
            if (!KubeletTime.TryParse(sinceTime, out var instant))
            {
                await StatusResponse.BadRequest($"parsing time \"{sinceTime}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse").WriteAsync(context.Response);
                return;
            }

            since = KubeletTime.ToUnixNanos(instant);
        }

        if (query["sinceSeconds"].ToString() is { Length: > 0 } sinceSeconds)
        {
            if (!long.TryParse(sinceSeconds, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                await new StatusResponse(422, "Invalid", "PodLogOptions \"\" is invalid: sinceSeconds: Invalid value: must be greater than 0").WriteAsync(context.Response);
                return;
            }

            since = KubeletTime.ToUnixNanos(cluster.Time.GetUtcNow() - TimeSpan.FromSeconds(seconds));
        }

        if (query["tailLines"].ToString() is { Length: > 0 } tailText)
        {
            if (!long.TryParse(tailText, CultureInfo.InvariantCulture, out var lines) || lines < 0)
            {
                await new StatusResponse(422, "Invalid", "PodLogOptions \"\" is invalid: tailLines: Invalid value: must be greater than or equal to 0").WriteAsync(context.Response);
                return;
            }

            tail = lines;
        }

        if (query["limitBytes"].ToString() is { Length: > 0 } limitText)
        {
            if (!long.TryParse(limitText, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                await new StatusResponse(422, "Invalid", "PodLogOptions \"\" is invalid: limitBytes: Invalid value: must be greater than 0").WriteAsync(context.Response);
                return;
            }
        }

        if (cluster.ResolveLog(@namespace, pod, container, previous, out var error) is not { } log || log.Current is not { } file)
        {
            await (error ?? StatusResponse.NotFound("pods", pod)).WriteAsync(context.Response);
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        var abort = context.RequestAborted;
        var stream = faults.OpenLogStream(context, pod, log.Stream.Container);
        var state = new LogCursor(file, timestamps, since, limit, stream.DropAfterBytes);
        if (stream.DropAfterBytes is not null && context.Request.Protocol == "HTTP/1.1")
        {
            // A stream to be cut mid-body: frame the chunks here, so that ending without the final chunk and
            // closing the connection (after every byte flushed) looks to the client like a proxy dying mid-response.
            response.Headers.Connection = "close";
            response.Headers.TransferEncoding = "chunked";
            state.OwnChunking = true;
        }

        // A follower counts from before its headers go out to after its response ends, so that two clients
        // seen one after the other never followed at once.
        using var followed = follow ? followers.Open(new FollowedStream(@namespace, pod, log.Stream.Container), context.Items[UserKey] as string ?? "system:anonymous") : null;
        await response.StartAsync(abort);
        // Headers go out now, as the API server sends them before the first event or line.
        await response.BodyWriter.FlushAsync(abort);
        try
        {
            if (tail is { } tailLines)
            {
                var first = log.Snapshot(file);
                state.Index = (int)Math.Max(0, first.Count - Math.Min(tailLines, first.Count));
            }

            var stalledByRotation = false;
            while (true)
            {
                if (faults.LogStall(pod, log.Stream.Container) is { } stall)
                {
                    await stall.WaitAsync(abort);
                    continue;
                }

                var changed = log.Signal.WaitTask;
                var snapshot = log.Snapshot(state.File);
                if (snapshot.Removed)
                {
                    return;
                }

                if (!stalledByRotation && state.Index < snapshot.Count)
                {
                    if (!await WriteLinesAsync(context, state, snapshot))
                    {
                        return;
                    }

                    continue;
                }

                if (!follow)
                {
                    return;
                }

                if (snapshot.Next is { } next)
                {
                    if (Options.RotationStallsFollowers)
                    {
                        // kubernetes/kubernetes#115701: the kubelet keeps waiting on the renamed file; the stream
                        // stays open and silent until the container stops.
                        stalledByRotation = true;
                        if (log.Current is null || log.Snapshot(log.Current).Ended)
                        {
                            return;
                        }
                    }
                    else
                    {
                        state.File = next;
                        state.Index = 0;
                        continue;
                    }
                }
                else if (snapshot.Ended)
                {
                    return;
                }

                await changed.WaitAsync(abort);
            }
        }
        finally
        {
            faults.Close(stream);
            if (state.OwnChunking && !state.Cut && !abort.IsCancellationRequested)
            {
                response.BodyWriter.Write("0\r\n\r\n"u8);
                await response.BodyWriter.FlushAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Writes the lines from the cursor to the end of the snapshot (at most <see cref="FlushBytes"/>), then flushes.
    /// Returns false when the stream must end (limitBytes reached, or a fault reset it).
    /// </summary>
    private static async Task<bool> WriteLinesAsync(HttpContext context, LogCursor cursor, LogSnapshot snapshot)
    {
        var writer = context.Response.BodyWriter;
        var data = snapshot.Data;
        var written = 0;
        var servedTo = -1;
        var end = false;
        var i = cursor.Index;
        while (i < snapshot.Count && written < FlushBytes)
        {
            if (snapshot.Timestamps[i] < cursor.Since)
            {
                i++;
                continue;
            }

            // A run of consecutive lines that all pass the filter goes out in one copy.
            var j = i + 1;
            if (cursor.Timestamps)
            {
                while (j < snapshot.Count && snapshot.Timestamps[j] >= cursor.Since && snapshot.LineEnd(j) - snapshot.Starts[i] <= FlushBytes - written)
                {
                    j++;
                }
            }

            var from = snapshot.Starts[i] + (cursor.Timestamps ? 0 : ContainerLog.PrefixLength);
            var segment = data.AsSpan(from, snapshot.LineEnd(j - 1) - from);
            var allowed = (int)Math.Min(segment.Length, Math.Min(cursor.Remaining, cursor.DropAfter - cursor.Sent));
            if (cursor.OwnChunking)
            {
                writer.Write(System.Text.Encoding.ASCII.GetBytes($"{allowed:x}\r\n"));
                writer.Write(segment[..allowed]);
                writer.Write("\r\n"u8);
            }
            else
            {
                writer.Write(segment[..allowed]);
            }

            written += allowed;
            cursor.Sent += allowed;
            cursor.Remaining -= allowed;
            if (allowed < segment.Length || cursor.Remaining == 0)
            {
                // Cut mid-run: only the lines that went out whole count as served.
                for (var k = i; k < j && snapshot.LineEnd(k) <= from + allowed; k++)
                {
                    servedTo = snapshot.LineEnd(k);
                }

                end = true;
                break;
            }

            servedTo = snapshot.LineEnd(j - 1);
            i = j;
        }

        cursor.Index = i;
        await writer.FlushAsync(context.RequestAborted);
        if (servedTo >= 0)
        {
            cursor.File.State.MarkServed(servedTo);
        }

        if (cursor.Sent >= cursor.DropAfter)
        {
            // HTTP/1.1: the handler returns without the final chunk and the connection closes after the data.
            // HTTP/2: the stream is reset.
            cursor.Cut = true;
            if (!cursor.OwnChunking)
            {
                context.Abort();
            }

            return false;
        }

        return !end;
    }

    /// <summary>Where a log response is: file, line, and what is left of its byte limits.</summary>
    private sealed class LogCursor(LogFile file, bool timestamps, long since, long limit, long? dropAfter)
    {
        public LogFile File { get; set; } = file;

        public int Index { get; set; }

        public bool Timestamps { get; } = timestamps;

        public long Since { get; } = since;

        public long Remaining { get; set; } = limit;

        public long Sent { get; set; }

        public long DropAfter { get; } = dropAfter ?? long.MaxValue;

        /// <summary>True when this handler writes the chunked framing itself (a stream that will be cut).</summary>
        public bool OwnChunking { get; set; }

        public bool Cut { get; set; }
    }
}

using System.Text;
using ActorLoki.Kubernetes.Logs;
using ActorLoki.Kubernetes.Tests.Support;
using ActorLoki.Simulator.Kubernetes;
using ActorLoki.Testing;

namespace ActorLoki.Kubernetes.Tests;

public sealed class LogsTests
{
    private const string Ns = SimulatedApi.Namespace;

    [Fact]
    public async Task A_follow_with_timestamps_delivers_lines_as_written_and_ends_with_the_container_instance()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        var t1 = api.Cluster.WriteLog(Ns, "web-0", "app", "seq=1 before open");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Container = "app", Follow = true });

        var first = await ReadLinesAsync(reader, 1);
        var t2 = api.Cluster.WriteLog(Ns, "web-0", "app", "seq=2 after open");
        var t3 = api.Cluster.WriteLog(Ns, "web-0", "app", "seq=3 naïve ünïcode ✓");
        var more = await ReadLinesAsync(reader, 2);
        api.Cluster.RestartContainer(Ns, "web-0", "app");

        first.Should().Equal(("seq=1 before open", t1));
        more.Should().Equal(("seq=2 after open", t2), ("seq=3 naïve ünïcode ✓", t3));
        (await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit)).Should().BeNull("the stream ends when the instance ends");
        reader.Statistics.Lines.Should().Be(3);
        api.Faults.Requests.Should().Contain(r => r.PathAndQuery == "/api/v1/namespaces/dev1/pods/web-0/log?container=app&follow=true&timestamps=true");
    }

    [Fact]
    public async Task Since_time_goes_out_rounded_down_and_the_server_filters_line_by_line()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { TimeProvider = clock });
        api.CreatePod("web-0");
        var second = KubeletTimestamp.ToUnixNanos(clock.GetUtcNow());
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 in second 9", timestamp: second - 100_000_000);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=1 at .1", timestamp: second + 100_000_000);
        var cursor = api.Cluster.WriteLog(Ns, "web-0", "app", "seq=2 at .5 (last delivered)", timestamp: second + 500_000_000);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=3 stderr stamped before the second", timestamp: second - 1);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=4 at .5 too", timestamp: second + 500_000_000);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=5 next second", timestamp: second + 1_200_000_000);

        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { SinceTime = KubeletTimestamp.ToDateTimeOffset(cursor) });
        var lines = await ReadToEndAsync(reader);

        api.Faults.Requests.Should().Contain(r => r.PathAndQuery.EndsWith("&sinceTime=2026-01-01T00%3A00%3A10Z", StringComparison.Ordinal)
            || r.PathAndQuery.EndsWith("&sinceTime=2026-01-01T00:00:10Z", StringComparison.Ordinal));
        lines.Select(l => l.Text).Should().Equal(
            "seq=1 at .1", "seq=2 at .5 (last delivered)", "seq=4 at .5 too", "seq=5 next second");
    }

    [Fact]
    public async Task Previous_serves_the_last_terminated_instance()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=1 first instance");
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=2 last words");
        api.Cluster.RestartContainer(Ns, "web-0", "app");
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=3 second instance");

        await using var previous = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Previous = true, Follow = true });
        await using var current = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());

        (await ReadToEndAsync(previous)).Select(l => l.Text).Should().Equal("seq=1 first instance", "seq=2 last words");
        (await ReadToEndAsync(current)).Select(l => l.Text).Should().Equal("seq=3 second instance");
    }

    [Fact]
    public async Task Previous_without_a_terminated_instance_is_a_bad_request_with_the_kubelets_message()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");

        var open = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Previous = true });

        (await open.Should().ThrowAsync<KubernetesBadRequestException>()).Which.Message
            .Should().Be("previous terminated container \"app\" in pod \"web-0\" not found");
    }

    [Fact]
    public async Task A_multi_container_pod_needs_a_container_name_and_a_waiting_container_has_no_log()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0", "app", "proxy");
        api.Cluster.CreatePod(new PodSpecification("pending") { Start = false });

        var noContainer = () => api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        var waiting = () => api.Client.OpenLogStreamAsync(Ns, "pending", new LogOptions());
        var gone = () => api.Client.OpenLogStreamAsync(Ns, "ghost", new LogOptions());

        (await noContainer.Should().ThrowAsync<KubernetesBadRequestException>()).Which.Message
            .Should().Be("a container name must be specified for pod web-0, choose one of: [app proxy]");
        (await waiting.Should().ThrowAsync<KubernetesBadRequestException>()).Which.Message
            .Should().Be("container \"app\" in pod \"pending\" is waiting to start: ContainerCreating");
        await gone.Should().ThrowAsync<KubernetesNotFoundException>();
    }

    [Fact]
    public async Task A_stream_dropped_mid_line_throws_after_the_complete_lines_and_a_resume_reads_the_rest()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        var stamps = Enumerable.Range(0, 4).Select(i => api.Cluster.WriteLog(Ns, "web-0", "app", $"seq={i} {new string('x', 40)}")).ToList();
        var lineBytes = 31 + $"seq=0 {new string('x', 40)}".Length + 1;
        api.Faults.DropNextLogStreamAfter((2 * lineBytes) + 20);

        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        var received = new List<(string Text, long Timestamp)>();
        var read = async () =>
        {
            while (await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit) is { } chunk)
            {
                using (chunk)
                {
                    received.AddRange(Lines(chunk));
                }
            }
        };

        await read.Should().ThrowAsync<IOException>();
        received.Select(r => r.Text).Should().Equal($"seq=0 {new string('x', 40)}", $"seq=1 {new string('x', 40)}");
        reader.Statistics.UnterminatedLines.Should().Be(0);

        await using var resumed = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { SinceTime = KubeletTimestamp.ToDateTimeOffset(received[^1].Timestamp) });
        var rest = (await ReadToEndAsync(resumed)).Where(l => l.Timestamp > received[^1].Timestamp).ToList();
        rest.Select(l => l.Timestamp).Should().Equal(stamps[2], stamps[3]);
    }

    [Fact]
    public async Task A_follow_continues_into_the_new_file_after_rotation()
    {
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { LogRotationBytes = 1000 });
        var pod = api.CreatePod("web-0");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        for (var i = 0; i < 40; i++)
        {
            api.Cluster.WriteLog(Ns, "web-0", "app", $"seq={i} {new string('r', 60)}");
        }

        var lines = await ReadLinesAsync(reader, 40);
        await using var late = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        var lateLines = await ReadToEndAsync(late);

        lines.Select(l => l.Text).Should().Equal(Enumerable.Range(0, 40).Select(i => $"seq={i} {new string('r', 60)}"));
        lateLines.Count.Should().BeLessThan(40, "a reader opened after rotation sees only the newest file");
        api.Cluster.Ledger.LinesOf(pod.Uid, "app").Should().OnlyContain(l => l.State == LedgerLineState.Served);
    }

    [Fact]
    public async Task Lines_rotated_away_before_anyone_read_them_are_marked_in_the_ledger()
    {
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { LogRotationBytes = 1000 });
        var pod = api.CreatePod("web-0");
        for (var i = 0; i < 40; i++)
        {
            api.Cluster.WriteLog(Ns, "web-0", "app", $"seq={i} {new string('r', 60)}");
        }

        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        var lines = await ReadToEndAsync(reader);

        var ledger = api.Cluster.Ledger.LinesOf(pod.Uid, "app");
        ledger.Where(l => l.State == LedgerLineState.Served).Select(l => l.Text).Should().Equal(lines.Select(l => l.Text));
        ledger.Where(l => l.State == LedgerLineState.RotatedUnread).Should().HaveCount(40 - lines.Count);
        lines[0].Text.Should().StartWith($"seq={40 - lines.Count} ");
    }

    [Fact]
    public async Task With_the_pre_1_29_kubelet_bug_a_follow_goes_silent_after_rotation()
    {
        await using var api = await SimulatedApi.StartAsync(new KubernetesSimulatorOptions { LogRotationBytes = 1000, RotationStallsFollowers = true });
        var pod = api.CreatePod("web-0");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 before rotation");
        (await ReadLinesAsync(reader, 1)).Should().ContainSingle();

        api.Cluster.RotateLog(Ns, "web-0", "app");
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=1 after rotation");
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var read = () => reader.ReadChunkAsync(quiet.Token).AsTask();

        await read.Should().ThrowAsync<OperationCanceledException>("the stream stays open but delivers nothing");
        api.Cluster.Ledger.LinesOf(pod.Uid, "app").Single(l => l.Sequence == 1).State.Should().Be(LedgerLineState.Unread);
        await using var reopened = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        (await ReadToEndAsync(reopened)).Select(l => l.Text).Should().Equal("seq=1 after rotation");
    }

    [Fact]
    public async Task An_over_long_line_from_the_server_is_delivered_in_pieces()
    {
        await using var api = await SimulatedApi.StartAsync(settings: new KubernetesClientSettings { MaxLogLineBytes = 1024, LogReadBytes = 512 });
        api.CreatePod("web-0");
        var huge = "seq=1 " + new string('z', 5000);
        api.Cluster.WriteLog(Ns, "web-0", "app", huge);
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=2 small");

        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        var pieces = new List<(string Text, LogLineFlags Flags)>();
        while (await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit) is { } chunk)
        {
            using (chunk)
            {
                foreach (var line in chunk.Lines)
                {
                    pieces.Add((Encoding.UTF8.GetString(chunk.GetContent(line)), line.Flags));
                }
            }
        }

        pieces.Should().HaveCount(6);
        string.Concat(pieces.Take(5).Select(p => p.Text)).Should().Be(huge);
        pieces.Take(4).Should().OnlyContain(p => p.Text.Length == 1024 && (p.Flags & LogLineFlags.Truncated) != 0);
        pieces[4].Flags.Should().Be(LogLineFlags.Continuation);
        pieces[5].Should().Be(("seq=2 small", LogLineFlags.None));
        reader.Statistics.CutLines.Should().Be(1);
    }

    [Fact]
    public async Task Lines_longer_than_a_read_are_joined_across_reads()
    {
        await using var api = await SimulatedApi.StartAsync(settings: new KubernetesClientSettings { LogReadBytes = 256 });
        api.CreatePod("web-0");
        var written = Enumerable.Range(0, 30).Select(i => $"seq={i} " + new string((char)('a' + (i % 26)), 300 + (i * 37))).ToList();
        foreach (var line in written)
        {
            api.Cluster.WriteLog(Ns, "web-0", "app", line);
        }

        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());

        (await ReadToEndAsync(reader)).Select(l => l.Text).Should().Equal(written);
    }

    [Fact]
    public async Task Deleting_the_pod_ends_its_follow_and_unread_lines_are_marked_deleted()
    {
        await using var api = await SimulatedApi.StartAsync();
        var pod = api.CreatePod("web-0", "app", "quiet");
        api.Cluster.WriteLog(Ns, "web-0", "quiet", "seq=0 nobody reads this");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Container = "app", Follow = true });
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 read");
        await ReadLinesAsync(reader, 1);

        api.Cluster.DeletePod(Ns, "web-0");

        (await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit)).Should().BeNull();
        api.Cluster.Ledger.LinesOf(pod.Uid, "quiet").Single().State.Should().Be(LedgerLineState.DeletedUnread);
        api.Cluster.Ledger.LinesOf(pod.Uid, "app").Single().State.Should().Be(LedgerLineState.Served);
    }

    [Fact]
    public async Task Tail_lines_and_limit_bytes_are_honoured_and_a_cut_last_line_is_flagged()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        for (var i = 0; i < 10; i++)
        {
            api.Cluster.WriteLog(Ns, "web-0", "app", $"seq={i} payload");
        }

        await using var tail = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { TailLines = 3 });
        await using var limited = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Timestamps = false, LimitBytes = 25 });

        (await ReadToEndAsync(tail)).Select(l => l.Text).Should().Equal("seq=7 payload", "seq=8 payload", "seq=9 payload");
        var cut = await ReadChunksAsync(limited);
        cut.Select(l => l.Text).Should().Equal("seq=0 payload", "seq=1 paylo");
        cut.Select(l => l.Flags).Should().Equal(LogLineFlags.None, LogLineFlags.Unterminated);
    }

    [Fact]
    public async Task A_stalled_stream_stays_open_and_silent_until_the_caller_gives_up()
    {
        await using var api = await SimulatedApi.StartAsync();
        api.CreatePod("web-0");
        api.Faults.StallLogStreams("web-0");
        await using var reader = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions { Follow = true });
        api.Cluster.WriteLog(Ns, "web-0", "app", "seq=0 held back");
        api.Faults.OpenLogStreams.Should().Be(1);

        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var read = () => reader.ReadChunkAsync(quiet.Token).AsTask();

        await read.Should().ThrowAsync<OperationCanceledException>();
        reader.Statistics.Bytes.Should().Be(0);
        api.Faults.ResumeLogStreams();
        await using var reopened = await api.Client.OpenLogStreamAsync(Ns, "web-0", new LogOptions());
        (await ReadToEndAsync(reopened)).Select(l => l.Text).Should().Equal("seq=0 held back");
    }

    private static IEnumerable<(string Text, long Timestamp)> Lines(LogChunk chunk)
    {
        for (var i = 0; i < chunk.Count; i++)
        {
            yield return (chunk.GetString(i), chunk[i].Timestamp);
        }
    }

    private static async Task<List<(string Text, long Timestamp)>> ReadLinesAsync(LogStreamReader reader, int count)
    {
        var lines = new List<(string, long)>();
        while (lines.Count < count)
        {
            using var chunk = await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit)
                ?? throw new InvalidOperationException($"The stream ended after {lines.Count} lines.");
            lines.AddRange(Lines(chunk));
        }

        return lines;
    }

    private static async Task<List<(string Text, long Timestamp)>> ReadToEndAsync(LogStreamReader reader) =>
        [.. (await ReadChunksAsync(reader)).Select(l => (l.Text, l.Timestamp))];

    private static async Task<List<(string Text, long Timestamp, LogLineFlags Flags)>> ReadChunksAsync(LogStreamReader reader)
    {
        var lines = new List<(string, long, LogLineFlags)>();
        while (await reader.ReadChunkAsync().AsTask().WaitAsync(Wait.Limit) is { } chunk)
        {
            using (chunk)
            {
                for (var i = 0; i < chunk.Count; i++)
                {
                    lines.Add((chunk.GetString(i), chunk[i].Timestamp, chunk[i].Flags));
                }
            }
        }

        return lines;
    }
}

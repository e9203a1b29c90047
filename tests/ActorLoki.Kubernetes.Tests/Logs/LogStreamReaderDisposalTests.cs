using System.IO.Pipelines;
using System.Text;
using ActorLoki.Kubernetes.Logs;

namespace ActorLoki.Kubernetes.Tests.Logs;

public sealed class LogStreamReaderDisposalTests
{
    [Fact]
    public async Task Disposing_during_a_read_ends_that_read_and_refuses_later_ones()
    {
        var pipe = new Pipe();
        var reader = new LogStreamReader(pipe.Reader.AsStream());
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("2026-03-01T10:00:00.000000001Z first line\n2026-03-01T10:00:00.000000002Z half a li"));
        using (var first = await reader.ReadChunkAsync())
        {
            first!.Count.Should().Be(1);
        }

        // The next read waits for the rest of the line, holding the pooled buffer with the partial bytes.
        var pending = reader.ReadChunkAsync().AsTask();
        await Task.Delay(50);
        pending.IsCompleted.Should().BeFalse();

        reader.Dispose();
        await pipe.Writer.CompleteAsync();

        var read = async () => await pending.WaitAsync(TimeSpan.FromSeconds(5));
        await read.Should().ThrowAsync<Exception>("the stream it was reading was closed under it");
        var again = async () => await reader.ReadChunkAsync();
        await again.Should().ThrowAsync<ObjectDisposedException>();
        reader.Dispose(); // twice is harmless
    }

    [Fact]
    public async Task Two_reads_at_once_are_refused()
    {
        var pipe = new Pipe();
        using var reader = new LogStreamReader(pipe.Reader.AsStream());

        var pending = reader.ReadChunkAsync().AsTask();
        var second = async () => await reader.ReadChunkAsync();

        await second.Should().ThrowAsync<InvalidOperationException>();
        await pipe.Writer.CompleteAsync();
        (await pending.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeNull();
    }
}

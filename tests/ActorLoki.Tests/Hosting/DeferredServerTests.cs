using System.Diagnostics;
using ActorLoki.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace ActorLoki.Tests.Hosting;

/// <summary>
/// <c>actorloki run</c> opens its endpoints after the first accepted push, or after a limit when no push is accepted
/// (Loki down): the server under it is started once, later, and stopped after it was started.
/// </summary>
public sealed class DeferredServerTests
{
    [Fact]
    public async Task The_server_starts_only_once_a_push_was_accepted()
    {
        var inner = new RecordingServer();
        var pushed = false;
        using var server = new DeferredServer(inner, () => Volatile.Read(ref pushed), TimeSpan.FromMinutes(1));

        await server.StartAsync(new NoApplication(), CancellationToken.None);
        await Task.Delay(300);
        inner.Starts.Should().Be(0, "no push has been accepted yet");

        Volatile.Write(ref pushed, true);
        await inner.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        inner.Starts.Should().Be(1);
        server.Features.Should().BeSameAs(inner.Features, "the addresses are the inner server's");
    }

    [Fact]
    public async Task Without_an_accepted_push_the_server_starts_after_the_limit()
    {
        var inner = new RecordingServer();
        using var server = new DeferredServer(inner, () => false, TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await server.StartAsync(new NoApplication(), CancellationToken.None);
        await inner.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(450), "it waited for a push first");
        inner.Starts.Should().Be(1);
    }

    [Fact]
    public async Task Stopping_before_the_start_starts_then_stops_the_server_without_waiting_for_the_limit()
    {
        var inner = new RecordingServer();
        using var server = new DeferredServer(inner, () => false, TimeSpan.FromMinutes(10));
        await server.StartAsync(new NoApplication(), CancellationToken.None);

        await server.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        inner.Starts.Should().Be(1);
        inner.Stops.Should().Be(1);
    }

    private sealed class RecordingServer : IServer
    {
        private int _starts;
        private int _stops;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Starts => Volatile.Read(ref _starts);

        public int Stops => Volatile.Read(ref _stops);

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            Interlocked.Increment(ref _starts);
            Started.TrySetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _stops);
            return Task.CompletedTask;
        }

        public void Dispose()
        {
        }
    }

    private sealed class NoApplication : IHttpApplication<object>
    {
        public object CreateContext(IFeatureCollection contextFeatures) => new();

        public Task ProcessRequestAsync(object context) => Task.CompletedTask;

        public void DisposeContext(object context, Exception? exception)
        {
        }
    }
}

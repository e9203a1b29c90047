using System.Collections.Concurrent;
using ActorLoki.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ActorLoki.Loki.Tests;

/// <summary>A small push endpoint on 127.0.0.1 that records the headers of each request and answers as told.</summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private RecordingServer(LoopbackServer server, ConcurrentQueue<IReadOnlyDictionary<string, string>> requests)
    {
        _server = server;
        Requests = requests;
    }

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Requests { get; }

    public Uri PushUrl => new(_server.BaseAddress, "loki/api/v1/push");

    /// <summary>Starts the server; <paramref name="answer"/> decides the answer from the request headers (204 by default).</summary>
    public static async Task<RecordingServer> StartAsync(Func<IReadOnlyDictionary<string, string>, (int Status, string Body)>? answer = null)
    {
        var requests = new ConcurrentQueue<IReadOnlyDictionary<string, string>>();
        var server = await LoopbackServer.StartAsync(app => app.MapPost("/loki/api/v1/push", async context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            requests.Enqueue(headers);
            var (status, text) = answer?.Invoke(headers) ?? (204, "");
            context.Response.StatusCode = status;
            if (text.Length > 0)
            {
                await context.Response.WriteAsync(text);
            }
        }));
        return new RecordingServer(server, requests);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

using System.Net.Http.Headers;
using System.Text.Json;
using ActorLoki.Simulator.Kubernetes;

namespace ActorLoki.Simulator.Tests.Kubernetes;

/// <summary>
/// A simulator and a plain HttpClient with its token: these tests check the wire format directly, without
/// the Kubernetes client (which is tested against the simulator elsewhere).
/// </summary>
internal sealed class RawApi : IAsyncDisposable
{
    private RawApi(KubernetesSimulator simulator)
    {
        Simulator = simulator;
        Http = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", simulator.Tokens.Current);
    }

    public KubernetesSimulator Simulator { get; }

    public SimulatedCluster Cluster => Simulator.Cluster;

    public HttpClient Http { get; }

    public static async Task<RawApi> StartAsync(KubernetesSimulatorOptions? options = null) =>
        new(await KubernetesSimulator.StartAsync((options ?? new KubernetesSimulatorOptions()) with { Namespace = "dev1" }));

    public async Task<JsonElement> GetJsonAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Reads a streamed response (watch or log) line by line until <paramref name="stop"/> says so or it ends.</summary>
    public async Task<List<string>> StreamLinesAsync(string path, Func<List<string>, bool> stop)
    {
        using var response = await Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!stop(lines) && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Simulator.DisposeAsync();
    }
}

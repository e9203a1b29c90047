using System.Net;
using System.Net.Sockets;

namespace ActorLoki.Shipper.Tests.Positions;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a real server: while <see cref="Reachable"/> is false it resets every
/// connection at once, as an API server that cannot be reached (a transport error, no HTTP answer at all).
/// </summary>
internal sealed class SwitchableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SwitchableProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private volatile bool _reachable;
    private int _refused;

    public bool Reachable
    {
        get => _reachable;
        set => _reachable = value;
    }

    /// <summary>Connections reset while unreachable.</summary>
    public int Refused => Volatile.Read(ref _refused);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!Reachable)
            {
                Interlocked.Increment(ref _refused);
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        using var upstream = new TcpClient();
        using var downstream = new NetworkStream(client, ownsSocket: true);
        try
        {
            await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var up = upstream.GetStream();
            await Task.WhenAny(downstream.CopyToAsync(up, _stop.Token), up.CopyToAsync(downstream, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The connection ends with either side.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
